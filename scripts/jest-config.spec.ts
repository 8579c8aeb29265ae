import { join } from 'node:path';

/** What Jest itself makes of jest.config.js under `DB_TYPE` (the way `npm run test:mssql` starts it). */
async function jestConfigUnder(dbType: string | undefined) {
  const file = join(__dirname, '..', 'jest.config.js');
  const saved = process.env.DB_TYPE;
  if (dbType === undefined) delete process.env.DB_TYPE;
  else process.env.DB_TYPE = dbType;
  try {
    // A fresh module registry, so jest.config.js is evaluated again under this DB_TYPE.
    jest.resetModules();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { readConfigs } = require('jest-config') as typeof import('jest-config');
    return await readConfigs({ $0: 'jest', _: [], config: file, selectProjects: ['e2e'] } as never, [
      join(__dirname, '..'),
    ]);
  } finally {
    if (saved === undefined) delete process.env.DB_TYPE;
    else process.env.DB_TYPE = saved;
  }
}

describe('jest.config.js', () => {
  it('gives every test and hook 60 s on test:mssql, where Jest reads it (the global configuration)', async () => {
    const { globalConfig } = await jestConfigUnder('mssql');
    expect(globalConfig.testTimeout).toBe(60_000);
  });

  it('keeps Jest’s 5 s default on the local databases', async () => {
    for (const dbType of [undefined, 'sqlite', 'postgres']) {
      const { globalConfig } = await jestConfigUnder(dbType);
      expect({ dbType, testTimeout: globalConfig.testTimeout ?? 5_000 }).toEqual({
        dbType,
        testTimeout: 5_000,
      });
    }
  });
});
