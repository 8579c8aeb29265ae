import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { DialectErrors } from '../database/dialect';

/** The table the monthly quotas are counted in (migration 1765100000000). */
export const QUOTA_TABLE = 'rate_limit_counters';
/** Keys read back per statement when refreshing what the other instances counted. */
const READ_CHUNK = 200;
/** A key not used for this long is no longer refreshed (it is read again on its next use). */
const ACTIVE_MS = 10 * 60_000;

interface Durable {
  /** Units stored in the database for the key, as last read (every instance's flushed counts). */
  used: number;
  /** When this instance last spent from the key. */
  usedAt: number;
  /** The read failed: counted as `used` for now and read again at the next flush. */
  stale: boolean;
}

/**
 * The monthly quotas' durable count, in the database: Redis is only their fast cache. Each instance adds
 * what it spends to `pending` (a Map update, no I/O) and writes it every RATE_LIMIT_QUOTA_FLUSH_MS, one
 * UPDATE per key that was spent from, then reads back the totals of the keys it uses (one SELECT per 200
 * keys), so it knows what the other instances spent too. A key is read once when this instance first meets
 * it, never on every request. What the limiter gets from here is a floor: where a quota starts when Redis
 * lost its counter (flushed, restarted) or cannot be reached, and where it starts after an instance restart.
 *
 * Bound: a quota is exceeded only when Redis loses its counter, and then by at most what the other instances
 * spent within their last unflushed interval (about one flush interval of traffic per instance).
 */
export class QuotaLedger {
  private readonly logger = new Logger('RateLimit');
  private readonly durable = new Map<string, Durable>();
  private pending = new Map<string, { units: number; period: string }>();
  /** Rows known to exist, so a flush needs no insert for them. */
  private readonly present = new Set<string>();
  private readonly loading = new Map<string, Promise<void>>();
  private flushing?: Promise<void>;
  /** Old months are pruned hourly, the first time an hour after boot (no statement at start-up). */
  private lastPrune = Date.now();

  constructor(
    private readonly source: () => DataSource | undefined,
    private readonly errors: DialectErrors | undefined,
  ) {}

  /** Whether a database is there to keep the quotas in (not in the benchmark or without one). */
  get enabled(): boolean {
    return this.source()?.isInitialized === true;
  }

  /** What this instance knows was spent from `key`: the stored count plus its own unflushed units. */
  known(key: string): number | undefined {
    const durable = this.durable.get(key);
    if (!durable) return undefined;
    return durable.used + (this.pending.get(key)?.units ?? 0);
  }

  /** Reads the stored counts of keys met for the first time (one statement; concurrent callers share it). */
  async load(keys: string[], now = Date.now()): Promise<void> {
    const missing = keys.filter((key) => !this.durable.has(key));
    if (missing.length === 0) return;
    const waits: Promise<void>[] = [];
    const toRead: string[] = [];
    for (const key of missing) {
      const running = this.loading.get(key);
      if (running) waits.push(running);
      else toRead.push(key);
    }
    if (toRead.length > 0) {
      const read = this.read(toRead, now).finally(() => {
        for (const key of toRead) this.loading.delete(key);
      });
      for (const key of toRead) this.loading.set(key, read);
      waits.push(read);
    }
    await Promise.all(waits);
  }

  /** Counts `units` spent from `key` (of quota period `period`, e.g. `2026-12`); written at the next flush. */
  add(key: string, period: string, units: number, now = Date.now()): void {
    if (units === 0) return;
    const entry = this.pending.get(key);
    if (entry) entry.units += units;
    else this.pending.set(key, { units, period });
    const durable = this.durable.get(key);
    if (durable) durable.usedAt = now;
  }

  /** Units counted here and not yet written. */
  get unflushed(): number {
    let total = 0;
    for (const entry of this.pending.values()) total += entry.units;
    return total;
  }

  /** Writes what was spent, then refreshes the counts of active keys. Never rejects; joins a running flush. */
  flush(now = Date.now()): Promise<void> {
    this.flushing ??= this.write(now).finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Forgets the stored counts of keys starting with `keyPrefix` (tracker ids hold no LIKE wildcards). */
  async reset(keyPrefix: string): Promise<void> {
    for (const key of [...this.durable.keys()]) if (key.startsWith(keyPrefix)) this.durable.delete(key);
    for (const key of [...this.pending.keys()]) if (key.startsWith(keyPrefix)) this.pending.delete(key);
    const source = this.source();
    if (!source?.isInitialized) return;
    await source.createQueryBuilder().delete().from(QUOTA_TABLE).where('counter_key LIKE :prefix', { prefix: `${keyPrefix}%` }).execute();
  }

  private async read(keys: string[], now: number): Promise<void> {
    const source = this.source();
    let rows: { counter_key: string; used: number | string }[] = [];
    let failed = false;
    if (source?.isInitialized) {
      try {
        rows = await source
          .createQueryBuilder()
          .select(['c.counter_key AS counter_key', 'c.used AS used'])
          .from(QUOTA_TABLE, 'c')
          .where('c.counter_key IN (:...keys)', { keys })
          .getRawMany();
      } catch (error) {
        failed = true;
        this.logger.warn(`could not read monthly quota counts, using what Redis has: ${(error as Error).message}`);
      }
    }
    const found = new Map(rows.map((row) => [row.counter_key, Number(row.used)]));
    for (const key of keys) {
      if (found.has(key)) this.present.add(key);
      const existing = this.durable.get(key);
      const used = found.get(key) ?? 0;
      if (existing) {
        existing.used = failed ? existing.used : used;
        existing.stale = failed;
      } else {
        this.durable.set(key, { used, usedAt: now, stale: failed });
      }
    }
  }

  private async write(now: number): Promise<void> {
    const source = this.source();
    if (!source?.isInitialized) return;
    const batch = this.pending;
    this.pending = new Map();
    const failed = new Map<string, { units: number; period: string }>();
    for (const [key, entry] of batch) {
      try {
        await this.addStored(source, key, entry.period, entry.units);
      } catch (error) {
        failed.set(key, entry);
        this.logger.warn(`could not store monthly quota counts, will retry: ${(error as Error).message}`);
        break;
      }
    }
    // What could not be written waits for the next flush (nothing counted is dropped).
    let skipping = false;
    for (const [key, entry] of batch) {
      if (failed.has(key)) skipping = true;
      if (!skipping) continue;
      const later = this.pending.get(key);
      if (later) later.units += entry.units;
      else this.pending.set(key, entry);
    }
    const active = [...this.durable.entries()].filter(([, d]) => d.stale || now - d.usedAt < ACTIVE_MS).map(([key]) => key);
    for (const [key, d] of this.durable) if (!d.stale && now - d.usedAt >= ACTIVE_MS && !this.pending.has(key)) this.durable.delete(key);
    for (let i = 0; i < active.length; i += READ_CHUNK) await this.read(active.slice(i, i + READ_CHUNK), now);
    if (now - this.lastPrune > 3_600_000) {
      this.lastPrune = now;
      await this.prune(source, now).catch((error: Error) => this.logger.warn(`could not prune old quota counts: ${error.message}`));
    }
  }

  /** used = used + units, inserting the row first when this instance has not seen it stored. */
  private async addStored(source: DataSource, key: string, period: string, units: number): Promise<void> {
    if (!this.present.has(key)) {
      const insert = source
        .createQueryBuilder()
        .insert()
        .into(QUOTA_TABLE, ['counter_key', 'period', 'used'])
        .values({ counter_key: key, period, used: 0 })
        .updateEntity(false);
      if (source.options.type !== 'mssql') await insert.orIgnore().execute();
      else {
        try {
          await insert.execute();
        } catch (error) {
          if (!this.errors?.isUniqueViolation(error)) throw error;
        }
      }
      this.present.add(key);
    }
    await source
      .createQueryBuilder()
      .update(QUOTA_TABLE)
      // An integer this process computed, never client input.
      .set({ used: () => `used + ${Math.trunc(units)}` })
      .where('counter_key = :key', { key })
      .execute();
  }

  /** Forgets counts of months before the previous one. */
  private async prune(source: DataSource, now: number): Promise<void> {
    const date = new Date(now);
    const previous = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - 1, 1));
    const keep = `${previous.getUTCFullYear()}-${String(previous.getUTCMonth() + 1).padStart(2, '0')}`;
    await source.createQueryBuilder().delete().from(QUOTA_TABLE).where('period < :keep', { keep }).execute();
  }
}
