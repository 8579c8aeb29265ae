import { isIP } from 'node:net';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Command, CommandRunner, Option } from 'nest-commander';
import { remainingOf, resetSecondsOf, windowSeconds } from '../rate-limit.headers';
import { ipTrackerId, trackerFor } from '../rate-limit.policies';
import type { RateLimitSubject } from '../rate-limit.types';
import { RateLimiterService } from '../rate-limiter.service';

/**
 * Finds what the limiter needs to know about a key or user (their override, quota, role). The composing app
 * provides it (the CLI does, from the API-key and user services); without it the tier defaults are shown.
 */
export abstract class RateLimitSubjects {
  abstract find(kind: 'apiKey' | 'user', id: string): Promise<RateLimitSubject | undefined>;
}

interface TargetOptions {
  key?: string;
  user?: string;
  ip?: string;
  json?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Injectable so its constructor's parameter types are recorded for the commands that extend it.
@Injectable()
abstract class RateLimitTargetCommand extends CommandRunner {
  constructor(
    protected readonly limiter: RateLimiterService,
    private readonly moduleRef: ModuleRef,
  ) {
    super();
  }

  /** Exactly one of --key, --user, --ip → the subject (or IP) whose counters are meant. */
  protected async target(options: TargetOptions): Promise<{ subject?: RateLimitSubject; ip?: string; label: string }> {
    const given = (['key', 'user', 'ip'] as const).filter((flag) => options[flag] !== undefined);
    if (given.length !== 1) throw new Error('pass exactly one of --key <id>, --user <id> or --ip <address>');
    if (options.ip !== undefined) return { ip: options.ip, label: `client IP ${options.ip}` };
    const kind = options.key !== undefined ? 'apiKey' : 'user';
    const id = (options.key ?? options.user) as string;
    let lookup: RateLimitSubjects | undefined;
    try {
      lookup = this.moduleRef.get(RateLimitSubjects, { strict: false });
    } catch {
      lookup = undefined;
    }
    const found = await lookup?.find(kind, id);
    if (lookup && !found) throw new Error(`no ${kind === 'apiKey' ? 'API key' : 'user'} ${id}`);
    return { subject: found ?? { kind, id, roles: [] }, label: `${kind === 'apiKey' ? 'API key' : 'user'} ${id}` };
  }

  @Option({ flags: '--key <id>', description: 'an API key id' })
  parseKey(value: string): string {
    if (!UUID.test(value)) throw new Error('--key must be an API key id (a UUID)');
    return value;
  }

  @Option({ flags: '--user <id>', description: 'a user id' })
  parseUser(value: string): string {
    if (!UUID.test(value)) throw new Error('--user must be a user id (a UUID)');
    return value;
  }

  @Option({ flags: '--ip <address>', description: 'a client IP address (anonymous callers, failed credentials)' })
  parseIp(value: string): string {
    if (isIP(value) === 0) throw new Error('--ip must be an IPv4 or IPv6 address');
    return value;
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }

  protected out(data: unknown, json: boolean | undefined, human: string): void {
    process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human}\n`);
  }

  protected sharingNote(): string {
    const sharing = this.limiter.storage.sharing;
    if (sharing === 'redis') return 'counters: shared in Redis';
    if (sharing === 'local-redis-down') return 'counters: REDIS UNREACHABLE — showing nothing shared';
    return 'counters: REDIS_URL not set — each API instance counts in its own memory, which this CLI cannot see';
  }
}

@Command({
  name: 'rate-limits:status',
  description: 'Show the effective rate-limit policy and current counters of an API key, user or client IP',
})
export class RateLimitsStatusCommand extends RateLimitTargetCommand {
  async run(_args: string[], options: TargetOptions): Promise<void> {
    const { subject, ip, label } = await this.target(options);
    const { tracker, windows } = await this.limiter.peek(subject, ip);
    const rows = windows.map((state) => ({
      policy: state.request.policy,
      limit: state.request.limit,
      windowSeconds: windowSeconds(state),
      used: state.count,
      remaining: remainingOf(state),
      resetsInSeconds: state.count > 0 ? resetSecondsOf(state) : null,
    }));
    const lines = rows.map(
      (r) =>
        `  ${r.policy.padEnd(14)} ${String(r.used).padStart(7)} / ${String(r.limit).padEnd(7)} per ${r.windowSeconds}s` +
        `  remaining ${r.remaining}${r.resetsInSeconds === null ? '' : `, resets in ${r.resetsInSeconds}s`}`,
    );
    this.out(
      { tracker: tracker.id, tier: tracker.tier, sharing: this.limiter.storage.sharing, windows: rows },
      options.json,
      [`${label}: tier ${tracker.tier} (${tracker.id})`, ...lines, this.sharingNote()].join('\n'),
    );
  }
}

@Command({
  name: 'rate-limits:reset',
  description: 'Forget the rate-limit counters of an API key, user or client IP (unblock a kiosk at once)',
})
export class RateLimitsResetCommand extends RateLimitTargetCommand {
  async run(_args: string[], options: TargetOptions): Promise<void> {
    const { subject, ip, label } = await this.target(options);
    const trackerId = subject ? trackerFor(subject, undefined).id : ipTrackerId(ip);
    const removed = await this.limiter.reset(trackerId);
    this.out(
      { tracker: trackerId, removed, sharing: this.limiter.storage.sharing },
      options.json,
      `Reset ${removed} counter(s) of ${label}.\n${this.sharingNote()}`,
    );
  }
}
