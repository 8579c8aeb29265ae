import { DataSource } from 'typeorm';
import { dialectErrors } from '../database/dialect';
import { CreateRateLimitCounters1765100000000 } from '../database/migrations/1765100000000-create-rate-limit-counters';
import { QuotaLedger } from './quota-ledger';

const KEY = '{key:k1}:quota:2026-12';

/** Two instances' ledgers on one SQLite database (in memory), with the migration's table. */
describe('QuotaLedger', () => {
  let source: DataSource;
  let a: QuotaLedger;
  let b: QuotaLedger;

  beforeEach(async () => {
    source = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    await source.initialize();
    const runner = source.createQueryRunner();
    await new CreateRateLimitCounters1765100000000().up(runner);
    await runner.release();
    a = new QuotaLedger(() => source, dialectErrors('sqlite'));
    b = new QuotaLedger(() => source, dialectErrors('sqlite'));
  });
  afterEach(async () => {
    await source.destroy();
  });

  const stored = async (): Promise<number[]> =>
    (await source.query('SELECT used FROM rate_limit_counters WHERE counter_key = ?', [KEY])).map((r: { used: number }) => r.used);

  it('writes what each instance spent in batches and learns what the others spent', async () => {
    await a.load([KEY]);
    await b.load([KEY]);
    expect(a.known(KEY)).toBe(0);
    a.add(KEY, '2026-12', 3);
    b.add(KEY, '2026-12', 2);
    expect(a.known(KEY)).toBe(3);
    await a.flush();
    await b.flush();
    expect(await stored()).toEqual([5]);
    await a.flush();
    expect(a.known(KEY)).toBe(5);
    // A new instance (a restart) reads the stored count when it first meets the key.
    const restarted = new QuotaLedger(() => source, dialectErrors('sqlite'));
    expect(restarted.known(KEY)).toBeUndefined();
    await restarted.load([KEY]);
    expect(restarted.known(KEY)).toBe(5);
  });

  it('keeps what it could not write for the next flush: nothing counted is dropped', async () => {
    await a.load([KEY]);
    a.add(KEY, '2026-12', 4);
    await source.query('ALTER TABLE rate_limit_counters RENAME TO away');
    await a.flush();
    expect(a.unflushed).toBe(4);
    await source.query('ALTER TABLE away RENAME TO rate_limit_counters');
    await a.flush();
    expect(a.unflushed).toBe(0);
    expect(await stored()).toEqual([4]);
  });

  it('forgets a reset key, stored and pending', async () => {
    a.add(KEY, '2026-12', 2);
    await a.flush();
    a.add(KEY, '2026-12', 1);
    await a.reset('{key:k1}');
    expect(a.unflushed).toBe(0);
    expect(await stored()).toEqual([]);
  });
});
