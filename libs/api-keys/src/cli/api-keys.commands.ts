import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { Command, CommandRunner, Option } from 'nest-commander';
import { flattenValidationErrors, formatTable, printResult } from '@aero/core';
import type { Scope } from '@aero/auth';
import { ApiKeyCreateDto, ApiKeyUpdateDto, MAX_GRACE_SECONDS } from '../api-key.dto';
import type { ApiKeyDto } from '../api-key.dto';
import { ApiKeysService, DEFAULT_GRACE_SECONDS } from '../api-keys.service';

function out(data: unknown, json: boolean | undefined, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human}\n`);
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `30d`, `12h`, `15m`, `90s` → seconds. */
export function parseDuration(value: string, flag: string): number {
  const match = /^(\d+)([smhd])$/.exec(value.trim());
  if (!match) throw new Error(`${flag} must look like 90s, 15m, 12h or 30d`);
  return Number(match[1]) * UNITS[match[2]];
}

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

interface CreateOptions {
  name: string;
  app: string;
  scopes: string[];
  expiresIn?: number;
  rateLimitPerMinute?: number;
  monthlyQuota?: number;
  maxOpenHolds?: number;
  venues?: string[];
  json?: boolean;
}

/** `--rate-limit-per-minute 120`, `--monthly-quota 100000`; `none` (update only) clears the setting. */
function positiveIntOrNone(value: string, flag: string, allowNone: boolean): number | 'none' {
  if (allowNone && value.trim().toLowerCase() === 'none') return 'none';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer${allowNone ? ' or none' : ''}`);
  return n;
}

@Command({ name: 'api-keys:create', description: 'Create an API key and print it (the only time it is shown)' })
export class ApiKeysCreateCommand extends CommandRunner {
  constructor(private readonly apiKeys: ApiKeysService) {
    super();
  }

  async run(_args: string[], options: CreateOptions): Promise<void> {
    const input = plainToInstance(ApiKeyCreateDto, {
      name: options.name,
      app: options.app,
      scopes: options.scopes,
      expiresAt: options.expiresIn === undefined ? undefined : new Date(Date.now() + options.expiresIn * 1000).toISOString(),
      rateLimitPerMinute: options.rateLimitPerMinute,
      monthlyQuota: options.monthlyQuota,
      maxOpenHolds: options.maxOpenHolds,
      venueIds: options.venues,
    });
    const errors = flattenValidationErrors(validateSync(input, { whitelist: true, forbidUnknownValues: false }));
    if (errors.length > 0) throw new Error(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    const created = await this.apiKeys.create(input, 'cli');
    out(created, options.json, `Created API key ${created.id} (${created.app}: ${created.scopes.join(', ')})\nKey (shown once, store it now): ${created.key}`);
  }

  @Option({ flags: '--name <name>', description: 'what the key is for', required: true })
  parseName(value: string): string {
    return value;
  }

  @Option({ flags: '--app <app>', description: 'kiosk, pos, web, partner, internal, …', required: true })
  parseApp(value: string): string {
    return value;
  }

  @Option({ flags: '--scopes <scopes>', description: 'comma-separated, e.g. members:read,bookings:write', required: true })
  parseScopes(value: string): Scope[] {
    return list(value) as Scope[];
  }

  @Option({ flags: '--expires-in <duration>', description: 'lifetime such as 30d or 12h; default: no expiry' })
  parseExpiresIn(value: string): number {
    return parseDuration(value, '--expires-in');
  }

  @Option({ flags: '--rate-limit-per-minute <n>', description: 'per-key request limit per minute (default: the API-key tier)' })
  parseRateLimit(value: string): number {
    return positiveIntOrNone(value, '--rate-limit-per-minute', false) as number;
  }

  @Option({ flags: '--monthly-quota <n>', description: 'requests per calendar month (UTC); default: no quota' })
  parseMonthlyQuota(value: string): number {
    return positiveIntOrNone(value, '--monthly-quota', false) as number;
  }

  @Option({ flags: '--max-open-holds <n>', description: 'open holds the key may have at once (default: HOLDS_MAX_OPEN_PER_PRINCIPAL)' })
  parseMaxOpenHolds(value: string): number {
    return positiveIntOrNone(value, '--max-open-holds', false) as number;
  }

  @Option({ flags: '--venues <ids>', description: 'comma-separated venue ids the key is restricted to' })
  parseVenues(value: string): string[] {
    return list(value);
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }
}

@Command({ name: 'api-keys:list', description: 'List API keys (never the keys themselves)' })
export class ApiKeysListCommand extends CommandRunner {
  constructor(private readonly apiKeys: ApiKeysService) {
    super();
  }

  async run(_args: string[], options: { json?: boolean }): Promise<void> {
    const keys = await this.apiKeys.listAll();
    printResult(keys, options.json, () =>
      formatTable(
        [
          { header: 'ID', value: (k: ApiKeyDto) => k.id },
          { header: 'STATUS', value: (k) => k.status },
          { header: 'APP', value: (k) => k.app },
          { header: 'KEY', value: (k) => `…${k.last4}` },
          { header: 'LIMIT/MIN', value: (k) => k.rateLimitPerMinute, align: 'right' },
          { header: 'VENUES', value: (k) => (k.venueIds ? k.venueIds.length : 'all'), align: 'right' },
          { header: 'LAST USED', value: (k) => k.lastUsedAt?.slice(0, 16).replace('T', ' ') },
          { header: 'NAME', value: (k) => k.name },
          { header: 'SCOPES', value: (k) => k.scopes.join(',') },
        ],
        keys,
        'No API keys.',
      ),
    );
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }
}

@Command({ name: 'api-keys:revoke', arguments: '<id>', description: 'Revoke an API key; its next request fails' })
export class ApiKeysRevokeCommand extends CommandRunner {
  constructor(private readonly apiKeys: ApiKeysService) {
    super();
  }

  async run([id]: string[], options: { json?: boolean }): Promise<void> {
    await this.apiKeys.revoke(id);
    out({ id, revoked: true }, options.json, `Revoked API key ${id}.`);
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }
}

@Command({
  name: 'api-keys:rotate',
  arguments: '<id>',
  description: 'Issue a new key with the same settings; the old one keeps working for the grace period',
})
export class ApiKeysRotateCommand extends CommandRunner {
  constructor(private readonly apiKeys: ApiKeysService) {
    super();
  }

  async run([id]: string[], options: { grace?: number; json?: boolean }): Promise<void> {
    const created = await this.apiKeys.rotate(id, options.grace ?? DEFAULT_GRACE_SECONDS, 'cli');
    out(created, options.json, `Rotated ${id} → ${created.id}\nNew key (shown once, store it now): ${created.key}`);
  }

  @Option({ flags: '--grace <duration>', description: 'how long the old key keeps working (default 1h; 0s stops it now)' })
  parseGrace(value: string): number {
    const seconds = parseDuration(value, '--grace');
    if (seconds > MAX_GRACE_SECONDS) throw new Error('--grace must be at most 30d');
    return seconds;
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }
}

interface UpdateOptions {
  name?: string;
  rateLimitPerMinute?: number | 'none';
  monthlyQuota?: number | 'none';
  maxOpenHolds?: number | 'none';
  enabled?: boolean;
  json?: boolean;
}

/** The option parser cannot return null (the CLI library would keep the raw text): `none` becomes null here. */
function orNull(value: number | 'none' | undefined): number | null | undefined {
  return value === 'none' ? null : value;
}

@Command({
  name: 'api-keys:update',
  arguments: '<id>',
  description: 'Change a key’s name, rate limit, monthly quota, open-hold cap or enabled state (running instances follow within seconds)',
})
export class ApiKeysUpdateCommand extends CommandRunner {
  constructor(private readonly apiKeys: ApiKeysService) {
    super();
  }

  async run([id]: string[], options: UpdateOptions): Promise<void> {
    const patch = plainToInstance(ApiKeyUpdateDto, {
      name: options.name,
      rateLimitPerMinute: orNull(options.rateLimitPerMinute),
      monthlyQuota: orNull(options.monthlyQuota),
      maxOpenHolds: orNull(options.maxOpenHolds),
      enabled: options.enabled,
    });
    const errors = flattenValidationErrors(validateSync(patch, { whitelist: true, forbidUnknownValues: false }));
    if (errors.length > 0) throw new Error(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    if (Object.values(patch).every((value) => value === undefined)) {
      throw new Error('nothing to change: pass --name, --rate-limit-per-minute, --monthly-quota, --max-open-holds or --enabled');
    }
    const updated = await this.apiKeys.update(id, patch);
    const limit = updated.rateLimitPerMinute ?? 'tier default';
    const quota = updated.monthlyQuota ?? 'none';
    const holds = updated.maxOpenHolds ?? 'default';
    out(
      updated,
      options.json,
      `Updated API key ${updated.id} (${updated.status}; ${limit}/min; monthly quota ${quota}; open holds ${holds})`,
    );
  }

  @Option({ flags: '--name <name>', description: 'new name' })
  parseName(value: string): string {
    return value;
  }

  @Option({ flags: '--rate-limit-per-minute <n>', description: 'per-key request limit per minute, or none for the tier default' })
  parseRateLimit(value: string): number | 'none' {
    return positiveIntOrNone(value, '--rate-limit-per-minute', true);
  }

  @Option({ flags: '--monthly-quota <n>', description: 'requests per calendar month (UTC), or none to remove the quota' })
  parseMonthlyQuota(value: string): number | 'none' {
    return positiveIntOrNone(value, '--monthly-quota', true);
  }

  @Option({ flags: '--max-open-holds <n>', description: 'open holds the key may have at once, or none for HOLDS_MAX_OPEN_PER_PRINCIPAL' })
  parseMaxOpenHolds(value: string): number | 'none' {
    return positiveIntOrNone(value, '--max-open-holds', true);
  }

  @Option({ flags: '--enabled <true|false>', description: 'false disables the key until enabled again' })
  parseEnabled(value: string): boolean {
    if (value !== 'true' && value !== 'false') throw new Error('--enabled must be true or false');
    return value === 'true';
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }
}
