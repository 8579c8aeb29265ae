import { Command, CommandRunner, Option } from 'nest-commander';
import { AppConfig } from '@aero/core';
import { HOUR_MS } from '../rollup';
import { MAX_SPAN_MS } from '../usage-range';
import type { PrincipalFilter } from '../usage.repository';
import { UsageService } from '../usage.service';
import { formatCsv, formatTable, parseSince } from './report-format';

const FORMATS = ['table', 'json', 'csv'] as const;
type Format = (typeof FORMATS)[number];

interface ReportOptions {
  since?: number;
  key?: string;
  user?: string;
  format?: string;
}

@Command({
  name: 'usage:report',
  description: 'Usage per API key and user: requests, errors, throttled, p95 latency and an hourly sparkline',
})
export class UsageReportCommand extends CommandRunner {
  constructor(private readonly usage: UsageService) {
    super();
  }

  async run(_args: string[], o: ReportOptions): Promise<void> {
    const problems: string[] = [];
    const since = o.since ?? 24 * HOUR_MS;
    if (!Number.isFinite(since) || since <= 0 || since > MAX_SPAN_MS.hour) {
      problems.push('--since must be like 24h, 7d or 90m (at most 31d)');
    }
    const format = (o.format ?? 'table') as Format;
    if (!FORMATS.includes(format)) problems.push(`--format must be one of ${FORMATS.join(', ')}`);
    if (o.key && o.user) problems.push('give --key or --user, not both');
    if (problems.length) throw new Error(problems.join('; '));

    const now = Date.now();
    // Whole hours ending with the current one: --since 24h is 24 cells of the sparkline.
    const end = Math.ceil(now / HOUR_MS) * HOUR_MS;
    const range = { from: end - Math.ceil(since / HOUR_MS) * HOUR_MS, to: end };
    const filter: PrincipalFilter | undefined = o.key
      ? { principalKind: 'apiKey', principalId: o.key }
      : o.user
        ? { principalKind: 'user', principalId: o.user }
        : undefined;
    const lines = await this.usage.principalReport(filter, range);
    const from = new Date(range.from).toISOString();
    const to = new Date(range.to).toISOString();
    if (format === 'json') {
      const principals = lines.map(({ principalKind, principalId, ...line }) => ({
        principal: { kind: principalKind, id: principalId },
        ...line,
      }));
      process.stdout.write(`${JSON.stringify({ from, to, principals }, null, 2)}\n`);
    } else if (format === 'csv') {
      process.stdout.write(`${formatCsv(lines)}\n`);
    } else if (lines.length === 0) {
      process.stdout.write(`No usage recorded from ${from} to ${to}.\n`);
    } else {
      process.stdout.write(`Usage from ${from} to ${to}\n${formatTable(lines)}\n`);
    }
  }

  @Option({
    flags: '--since <duration>',
    description: 'how far back, e.g. 24h (default), 7d, 90m; at most 31d',
  })
  parseSince(v: string): number {
    return parseSince(v);
  }

  @Option({ flags: '--key <id>', description: 'only this API key' })
  parseKey(v: string): string {
    return v;
  }

  @Option({ flags: '--user <id>', description: 'only this user' })
  parseUser(v: string): string {
    return v;
  }

  @Option({ flags: '--format <format>', description: 'table (default), json or csv' })
  parseFormat(v: string): string {
    return v;
  }
}

@Command({
  name: 'usage:prune',
  description:
    'Roll up closed hours, then delete raw usage older than USAGE_RAW_RETENTION_DAYS and roll-ups older than USAGE_ROLLUP_RETENTION_DAYS',
})
export class UsagePruneCommand extends CommandRunner {
  constructor(
    private readonly usage: UsageService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async run(_args: string[], o: { json?: boolean }): Promise<void> {
    const result = await this.usage.prune();
    const { rawRetentionDays, rollupRetentionDays } = this.config.usage;
    process.stdout.write(
      o.json
        ? `${JSON.stringify(result, null, 2)}\n`
        : `Rolled up ${result.hoursRolledUp} hour(s); deleted ${result.rawDeleted} raw record(s) older than ${rawRetentionDays} days and ${result.rollupsDeleted} hourly roll-up(s) older than ${rollupRetentionDays} days.\n`,
    );
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }
}
