import { formatTable } from './cli-output';

describe('formatTable', () => {
  const columns = [
    { header: 'ID', value: (r: { id: string; n: number; name: string | null }) => r.id },
    { header: 'COUNT', value: (r: { n: number }) => r.n, align: 'right' as const },
    { header: 'NAME', value: (r: { name: string | null }) => r.name },
  ];

  it('aligns every column under a header row, numbers to the right, and shows a dash for missing values', () => {
    const text = formatTable(columns, [
      { id: 'a', n: 5, name: 'Zoë Café' },
      { id: 'bbbb', n: 12345, name: null },
    ]);
    expect(text.split('\n')).toEqual(['ID    COUNT  NAME', 'a         5  Zoë Café', 'bbbb  12345  —']);
  });

  it('says so when there is nothing to show', () => {
    expect(formatTable(columns, [], 'No API keys.')).toBe('No API keys.');
  });
});
