import type { UsageReportLine } from '../usage.service';

const BARS = '▁▂▃▄▅▆▇█';
/** Sparklines wider than this merge neighbouring hours into one cell. */
export const SPARKLINE_MAX_CELLS = 48;

/** `24h`, `7d`, `90m` → milliseconds; NaN when malformed. */
export function parseSince(value: string): number {
  const match = /^(\d+)(m|h|d)$/.exec(value.trim());
  if (!match) return Number.NaN;
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

/** One character per hour (or per group of hours), scaled to the busiest; a space for none. */
export function sparkline(values: number[], maxCells = SPARKLINE_MAX_CELLS): string {
  const per = Math.max(1, Math.ceil(values.length / maxCells));
  const cells: number[] = [];
  for (let i = 0; i < values.length; i += per)
    cells.push(values.slice(i, i + per).reduce((a, b) => a + b, 0));
  const max = Math.max(0, ...cells);
  return cells
    .map((v) => (v === 0 ? ' ' : BARS[Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1)))]))
    .join('');
}

function principalLabel(line: UsageReportLine): string {
  return line.principalKind === 'anonymous' ? 'anonymous' : `${line.principalKind}:${line.principalId}`;
}

/** An aligned table: numbers right-aligned, one principal per line, busiest first. */
export function formatTable(lines: UsageReportLine[]): string {
  const header = ['PRINCIPAL', 'APP', 'REQUESTS', 'ERRORS', 'THROTTLED', 'P95 MS', 'HOURLY'];
  const rows = lines.map((l) => [
    principalLabel(l),
    l.app || '-',
    String(l.requests),
    String(l.errors),
    String(l.throttled),
    l.latencyP95Ms.toFixed(1),
    sparkline(l.hourly),
  ]);
  const numeric = [false, false, true, true, true, true, false];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const render = (cells: string[]): string =>
    cells
      .map((cell, i) =>
        i === cells.length - 1 ? cell : numeric[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i]),
      )
      .join('  ')
      .trimEnd();
  return [render(header), ...rows.map(render)].join('\n');
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function formatCsv(lines: UsageReportLine[]): string {
  const header = [
    'principal_kind',
    'principal_id',
    'app',
    'requests',
    'errors',
    'throttled',
    'error_rate',
    'throttle_rate',
    'p95_ms',
  ];
  const rows = lines.map((l) => [
    l.principalKind,
    l.principalId,
    l.app,
    l.requests,
    l.errors,
    l.throttled,
    l.errorRate,
    l.throttleRate,
    l.latencyP95Ms,
  ]);
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n');
}
