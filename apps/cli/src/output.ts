/** CLI output: human-readable by default, one JSON document with --json. */
export function print(data: unknown, json: boolean | undefined, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
}
