import type { AppConfig, BroadcastService } from '@aero/core';
import type { SessionRevocationEntity } from './session-revocation.entity';
import { CATCH_UP_OVERLAP_MS, PRUNE_INTERVAL_MS, SessionRevocations } from './session-revocations';
import type { SessionRevocationsRepository } from './session-revocations.repository';

type Row = Pick<SessionRevocationEntity, 'sessionId' | 'expiresAt'>;

const TTL_SECONDS = 900;
const config = { jwt: { accessTtlSeconds: TTL_SECONDS, revocationsPollSeconds: 10 } } as AppConfig;

/** A fake broadcast that lets the test flip the Redis connection and deliver messages. */
class FakeBroadcast {
  shared = false;
  readonly published: string[] = [];
  private readonly listeners: ((message: string) => void)[] = [];
  private readonly connection: ((shared: boolean) => void)[] = [];
  subscribe(_channel: string, listener: (message: string) => void): void {
    this.listeners.push(listener);
  }
  onConnectionChange(listener: (shared: boolean) => void): void {
    this.connection.push(listener);
  }
  async publish(_channel: string, message: string): Promise<void> {
    this.published.push(message);
  }
  deliver(message: string): void {
    for (const listener of this.listeners) listener(message);
  }
  connect(): void {
    this.shared = true;
    for (const listener of this.connection) listener(true);
  }
}

/** An in-memory table with the repository's queries, recording what each catch-up asked for. */
class FakeRows {
  rows: (Row & { revokedAt: Date })[] = [];
  readonly reads: string[] = [];
  failNext = false;
  pruned = 0;
  async insert(rows: SessionRevocationEntity[]): Promise<void> {
    this.rows.push(...rows);
  }
  async findLive(now: Date): Promise<Row[]> {
    this.reads.push('live');
    this.maybeFail();
    return this.rows.filter((r) => r.expiresAt > now);
  }
  async findRecordedSince(since: Date, now: Date): Promise<Row[]> {
    this.reads.push(`since ${since.getTime()}`);
    this.maybeFail();
    return this.rows.filter((r) => r.revokedAt >= since && r.expiresAt > now);
  }
  async deleteExpired(now: Date): Promise<number> {
    const before = this.rows.length;
    this.rows = this.rows.filter((r) => r.expiresAt > now);
    this.pruned += before - this.rows.length;
    return before - this.rows.length;
  }
  private maybeFail(): void {
    if (!this.failNext) return;
    this.failNext = false;
    throw new Error('database unavailable');
  }
}

function row(sessionId: string, revokedAt: number): Row & { revokedAt: Date } {
  return { sessionId, revokedAt: new Date(revokedAt), expiresAt: new Date(revokedAt + TTL_SECONDS * 1000) };
}

function setup(): { revocations: SessionRevocations; rows: FakeRows; broadcast: FakeBroadcast } {
  const rows = new FakeRows();
  const broadcast = new FakeBroadcast();
  const revocations = new SessionRevocations(
    config,
    broadcast as unknown as BroadcastService,
    rows as unknown as SessionRevocationsRepository,
  );
  return { revocations, rows, broadcast };
}

describe('SessionRevocations', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-12-01T12:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('loads every revocation still relevant at boot, so a restarted instance refuses old tokens', async () => {
    const { revocations, rows } = setup();
    rows.rows.push(
      row('ended-before-boot', Date.now() - 60_000),
      row('long-expired', Date.now() - 2 * TTL_SECONDS * 1000),
    );
    await revocations.start();
    expect(rows.reads).toEqual(['live']);
    expect(revocations.isEnded('ended-before-boot')).toBe(true);
    expect(revocations.isEnded('long-expired')).toBe(false);
    expect(revocations.isEnded('never-ended')).toBe(false);
    revocations.stop();
  });

  it('polls for revocations recorded since its last read, minus the overlap', async () => {
    const { revocations, rows } = setup();
    const bootAt = Date.now();
    await revocations.start();
    rows.rows.push(row('ended-elsewhere', Date.now()));
    expect(revocations.isEnded('ended-elsewhere')).toBe(false);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(rows.reads).toEqual(['live', `since ${bootAt - CATCH_UP_OVERLAP_MS}`]);
    expect(revocations.isEnded('ended-elsewhere')).toBe(true);
    revocations.stop();
  });

  it('catches up from the database when Redis (re)connects', async () => {
    const { revocations, rows, broadcast } = setup();
    await revocations.start();
    rows.rows.push(row('ended-while-redis-was-down', Date.now()));
    broadcast.connect();
    await jest.advanceTimersByTimeAsync(0);
    expect(rows.reads).toHaveLength(2);
    expect(revocations.isEnded('ended-while-redis-was-down')).toBe(true);
    revocations.stop();
  });

  it('after a failed read, the next one starts again from the last point that succeeded', async () => {
    const { revocations, rows } = setup();
    const bootAt = Date.now();
    await revocations.start();
    rows.failNext = true;
    await jest.advanceTimersByTimeAsync(10_000);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(rows.reads).toEqual([
      'live',
      `since ${bootAt - CATCH_UP_OVERLAP_MS}`,
      `since ${bootAt - CATCH_UP_OVERLAP_MS}`,
    ]);
    revocations.stop();
  });

  it('stores, remembers and announces an ended session for one token lifetime plus the overlap', async () => {
    const { revocations, rows, broadcast } = setup();
    await revocations.end('user-1', ['s1', 's1', 's2']);
    expect(rows.rows.map((r) => r.sessionId)).toEqual(['s1', 's2']);
    expect(revocations.isEnded('s1')).toBe(true);
    const until = Date.now() + TTL_SECONDS * 1000 + CATCH_UP_OVERLAP_MS;
    expect(JSON.parse(broadcast.published[0])).toEqual({ ids: ['s1', 's2'], until });
    expect(revocations.isEnded('s1', until - 1)).toBe(true);
    expect(revocations.isEnded('s1', until)).toBe(false);
  });

  it('caps the lifetime of announced sessions and ignores malformed messages', () => {
    const { revocations, broadcast } = setup();
    broadcast.deliver(JSON.stringify({ ids: ['far', 7], until: Date.now() + 365 * 86_400_000 }));
    broadcast.deliver('{not json');
    broadcast.deliver(JSON.stringify({ ids: 'x', until: 1 }));
    expect(revocations.isEnded('far')).toBe(true);
    expect(revocations.isEnded('far', Date.now() + TTL_SECONDS * 1000 + CATCH_UP_OVERLAP_MS)).toBe(false);
  });

  it('prunes expired rows at most once per prune interval', async () => {
    const { revocations, rows } = setup();
    rows.rows.push(row('old', Date.now() - 2 * TTL_SECONDS * 1000));
    await revocations.start();
    expect(rows.pruned).toBe(1);
    rows.rows.push(row('old-again', Date.now() - 2 * TTL_SECONDS * 1000));
    await jest.advanceTimersByTimeAsync(10_000);
    expect(rows.pruned).toBe(1);
    await jest.advanceTimersByTimeAsync(PRUNE_INTERVAL_MS);
    expect(rows.pruned).toBe(2);
    revocations.stop();
  });
});
