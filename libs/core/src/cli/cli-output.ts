/**
 * How every CLI command prints: stdout carries only the result — one JSON document with `--json`, text for
 * people otherwise — and diagnostics go to stderr, so `aero … --json | jq` always parses.
 */
export function printResult(data: unknown, json: boolean | undefined, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
}

export interface TableColumn<T> {
  header: string;
  value: (row: T) => string | number | null | undefined;
  /** Numbers read best right-aligned. */
  align?: 'left' | 'right';
}

/** Display width of a string: code points, so `…` and accented names do not skew the columns. */
function width(text: string): number {
  return [...text].length;
}

/** A table with a header row and columns aligned to their widest cell; `empty` when there are no rows. */
export function formatTable<T>(columns: TableColumn<T>[], rows: T[], empty = 'Nothing found.'): string {
  if (rows.length === 0) return empty;
  const cells = rows.map((row) => columns.map((c) => String(c.value(row) ?? '—').replace(/\s+/g, ' ')));
  const widths = columns.map((c, i) => Math.max(width(c.header), ...cells.map((r) => width(r[i]))));
  const line = (values: string[]) =>
    values
      .map((v, i) => {
        const pad = ' '.repeat(widths[i] - width(v));
        return columns[i].align === 'right' ? pad + v : i === values.length - 1 ? v : v + pad;
      })
      .join('  ');
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

const EXAMPLES = new Map<string, string[]>();

/** Registers examples shown at the end of `aero <command> --help`. */
export function cliExamples(command: string, ...examples: string[]): void {
  EXAMPLES.set(command, examples);
}

export function examplesOf(command: string): string[] {
  return EXAMPLES.get(command) ?? [];
}
