// The API process loads what it serves and no more: the CLI's command framework and the interactive prompt
// libraries behind it cost the API several MB of heap it never uses. Each lib keeps its commands behind
// `@aero/<lib>/cli`, which only apps/cli imports; these mocks fail the import if anything in the API's
// module graph reaches them again.
jest.mock('nest-commander', () => {
  throw new Error('the API module graph loaded nest-commander');
});
jest.mock('inquirer', () => {
  throw new Error('the API module graph loaded inquirer');
});

describe('the API module graph', () => {
  it('loads none of the CLI command packages', () => {
    expect(() => jest.requireActual<typeof import('./create-api-app')>('./create-api-app')).not.toThrow();
  });
});
