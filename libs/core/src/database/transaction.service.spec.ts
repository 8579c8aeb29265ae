import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import type { DbType } from '../config/env.dto';
import { AppError } from '../errors/app-error';
import { CoreProblems } from '../errors/problem-types';
import { replicaScope } from './replica-scope';
import { backoffMs, DATABASE_RETRY_AFTER_SECONDS, TransactionService } from './transaction.service';

const deadlock = (): Error => Object.assign(new Error('deadlock detected'), { code: '40P01' });
const uniqueViolation = (): Error => Object.assign(new Error('duplicate key'), { code: '23505' });
const refused = (): Error =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

/**
 * Stands in for TypeORM's DataSource: each `transaction` hands the work a fresh manager, runs it, and
 * then fails the commit with the next scripted error, if any (as a deadlock at commit would).
 */
class FakeDataSource {
  readonly manager = { label: 'pool' } as unknown as EntityManager;
  readonly isolationLevels: (string | undefined)[] = [];
  transactions = 0;

  constructor(private readonly commitFailures: unknown[] = []) {}

  async transaction<T>(...args: unknown[]): Promise<T> {
    const work = args[args.length - 1] as (manager: EntityManager) => Promise<T>;
    this.isolationLevels.push(args.length > 1 ? (args[0] as string) : undefined);
    this.transactions++;
    const result = await work({ label: `tx${this.transactions}` } as unknown as EntityManager);
    const failure = this.commitFailures.shift();
    if (failure) throw failure;
    return result;
  }
}

function service(dataSource: FakeDataSource, type: DbType = 'postgres', maxRetries = 3): TransactionService {
  const config = { db: { type, transactionMaxRetries: maxRetries } } as unknown as AppConfig;
  return new TransactionService(dataSource as unknown as DataSource, config);
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('TransactionService', () => {
  let warn: jest.SpyInstance;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    warn.mockRestore();
  });

  it('runs the work in a transaction and exposes its manager only inside it', async () => {
    const db = new FakeDataSource();
    const tx = service(db);
    expect(tx.manager).toBe(db.manager);
    const inside = await tx.run(async () => ({ manager: tx.manager, inTransaction: tx.inTransaction }));
    expect(inside).toEqual({ manager: { label: 'tx1' }, inTransaction: true });
    expect(tx.manager).toBe(db.manager);
    expect(tx.inTransaction).toBe(false);
  });

  it('re-runs the whole unit of work after a transient error, then succeeds', async () => {
    const db = new FakeDataSource([deadlock()]);
    const tx = service(db);
    const managers: unknown[] = [];
    const result = await tx.run(async () => {
      managers.push(tx.manager);
      return 'booked';
    });
    expect(result).toBe('booked');
    expect(db.transactions).toBe(2);
    expect(managers).toEqual([{ label: 'tx1' }, { label: 'tx2' }]); // each attempt in a fresh transaction
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('retry 1/3'));
  });

  it('does not retry a non-transient error and passes it through unchanged', async () => {
    const error = uniqueViolation();
    const db = new FakeDataSource([error]);
    expect(await rejectionOf(service(db).run(async () => 'x'))).toBe(error);
    expect(db.transactions).toBe(1);
  });

  it('does not retry a problem the work itself raised', async () => {
    const db = new FakeDataSource();
    const problem = new AppError(CoreProblems.conflict, 'already booked');
    const failing = service(db).run(async () => {
      throw problem;
    });
    expect(await rejectionOf(failing)).toBe(problem);
    expect(db.transactions).toBe(1);
  });

  it('gives up after maxRetries and answers 503 with Retry-After', async () => {
    const db = new FakeDataSource([deadlock(), deadlock(), deadlock(), deadlock(), deadlock()]);
    const error = await rejectionOf(service(db, 'postgres', 2).run(async () => 'x'));
    expect(db.transactions).toBe(3); // the first attempt and 2 retries
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(503);
    expect((error as AppError).headers['Retry-After']).toBe(String(DATABASE_RETRY_AFTER_SECONDS));
  });

  it('honours a per-call retry budget, including none', async () => {
    const db = new FakeDataSource([deadlock(), deadlock()]);
    await rejectionOf(service(db).run(async () => 'x', { maxRetries: 0 }));
    expect(db.transactions).toBe(1);
  });

  it('turns a database that cannot be reached into a 503 problem', async () => {
    const db = new FakeDataSource([refused(), refused(), refused()]);
    const error = await rejectionOf(service(db, 'postgres', 1).run(async () => 'x'));
    expect(error).toMatchObject({
      problem: CoreProblems.databaseUnavailable,
      headers: { 'Retry-After': '5' },
    });
    expect((error as AppError).detail).not.toContain('ECONNREFUSED');
  });

  it('answers 503 at once when SQLite cannot open its file', async () => {
    const db = new FakeDataSource([Object.assign(new Error('unable to open'), { code: 'SQLITE_CANTOPEN' })]);
    const error = await rejectionOf(service(db, 'sqlite').run(async () => 'x'));
    expect((error as AppError).status).toBe(503);
    expect(db.transactions).toBe(1);
  });

  it('lets a nested run join the outer transaction (one transaction, outer owns retries)', async () => {
    const db = new FakeDataSource([deadlock()]);
    const tx = service(db);
    let innerCalls = 0;
    const result = await tx.run(async () => {
      const outer = tx.manager;
      const inner = await tx.run(async () => {
        innerCalls++;
        return tx.manager;
      });
      return inner === outer;
    });
    expect(result).toBe(true);
    expect(db.transactions).toBe(2); // the deadlock re-ran the outer unit, inner included
    expect(innerCalls).toBe(2);
  });

  it('passes the isolation level through', async () => {
    const db = new FakeDataSource();
    await service(db).run(async () => undefined, { isolation: 'SERIALIZABLE' });
    expect(db.isolationLevels).toEqual(['SERIALIZABLE']);
  });

  it('translates a lost connection during a plain read into 503 as well', async () => {
    const tx = service(new FakeDataSource());
    const error = await rejectionOf(tx.read(async () => Promise.reject(refused())));
    expect((error as AppError).status).toBe(503);
    expect(await tx.read(async () => 42)).toBe(42);
  });
});

describe('TransactionService: faults are 503, never 500', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it.each([
    [
      'QueryRunnerAlreadyReleasedError',
      Object.assign(new Error('released'), { name: 'QueryRunnerAlreadyReleasedError' }),
    ],
    [
      '57P01 admin shutdown',
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    ],
    ['a connection reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    [
      '57014 statement cancelled',
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
    ],
    ['no pooled connection in time', new Error('timeout exceeded when trying to connect')],
  ])('translates %s into 503 with Retry-After', (_name, error) => {
    const translated = service(new FakeDataSource()).translate(error);
    expect(translated).toBeInstanceOf(AppError);
    expect((translated as AppError).status).toBe(503);
    expect((translated as AppError).headers['Retry-After']).toMatch(/^\d+$/);
  });

  it('opens the breaker after consecutive connection failures and then answers 503 without touching the database', async () => {
    const failures = Array.from({ length: 20 }, refused);
    const ds = new FakeDataSource(failures);
    const tx = service(ds, 'postgres', 0);
    for (let i = 0; i < 5; i++) await rejectionOf(tx.run(async () => 'x'));
    expect(tx.breaker.state).toBe('open');
    const before = ds.transactions;
    const error = await rejectionOf(tx.run(async () => 'x'));
    expect(ds.transactions).toBe(before);
    expect(error).toMatchObject({ status: 503, problem: CoreProblems.databaseUnavailable });
  });

  it('leaves read replica failures to the replica seam: the primary breaker neither counts them nor answers 503', async () => {
    const tx = service(new FakeDataSource(), 'postgres', 0);
    const replica = { label: 'replica' } as unknown as EntityManager;
    const errors: unknown[] = [];
    for (let i = 0; i < 10; i++) {
      errors.push(await rejectionOf(replicaScope.run(replica, () => tx.read(() => Promise.reject(refused())))));
    }
    expect(errors.every((error) => !(error instanceof AppError) && (error as { code?: string }).code === 'ECONNREFUSED')).toBe(true);
    expect(tx.breaker.state).toBe('closed');
    // The primary's own failures still count, and still answer 503.
    const onPrimary = await rejectionOf(tx.read(() => Promise.reject(refused())));
    expect(onPrimary).toMatchObject({ status: 503 });
  });
});

describe('backoffMs', () => {
  it('grows exponentially from 50 ms and never exceeds 1 s', () => {
    const max = (attempt: number) => backoffMs(attempt, () => 1);
    expect([0, 1, 2, 3, 4, 5, 10, 50].map(max)).toEqual([50, 100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('is jittered over the whole range down to zero', () => {
    expect(backoffMs(3, () => 0)).toBe(0);
    expect(backoffMs(3, () => 0.5)).toBe(200);
    for (let attempt = 0; attempt < 20; attempt++) {
      const delay = backoffMs(attempt);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(1000);
    }
  });
});

describe('TransactionService: a dropped connection is not an unhealthy database', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  const terminated = (): Error =>
    Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  const mssqlKilled = (): Error =>
    Object.assign(new Error('Connection lost - read ECONNRESET'), {
      name: 'ConnectionError',
      code: 'ESOCKET',
    });

  /** A breaker that opens on the first counted failure, so any count shows. */
  function strict(dataSource: FakeDataSource, type: DbType = 'postgres', maxRetries = 3): TransactionService {
    const config = {
      db: {
        type,
        transactionMaxRetries: maxRetries,
        breakerFailureThreshold: 1,
        breakerHalfOpenAfterMs: 5000,
      },
    } as unknown as AppConfig;
    return new TransactionService(dataSource as unknown as DataSource, config);
  }

  it.each([
    ['postgres', terminated],
    ['mssql', mssqlKilled],
  ] as const)(
    '%s: re-runs a unit whose pooled connection was killed once, at once, and the breaker stays closed',
    async (type, kill) => {
      const db = new FakeDataSource([kill()]);
      const tx = strict(db, type, 0);
      expect(await tx.run(async () => 'booked')).toBe('booked');
      expect(db.transactions).toBe(2);
      expect(tx.breaker.state).toBe('closed');
      expect(tx.breaker.stats).toMatchObject({ reconnects: 1, retries: 0, reconnectOutcomes: { recovered: 1, failed: 0 } });
    },
  );

  it('keeps the breaker closed while every connection of a busy pool is terminated', async () => {
    // 20 units of work, each losing its connection once (every API connection killed), as pg_terminate_backend does.
    const db = new FakeDataSource(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? terminated() : undefined)),
    );
    const tx = strict(db);
    for (let i = 0; i < 20; i++) expect(await tx.run(async () => i)).toBe(i);
    expect(tx.breaker.state).toBe('closed');
    expect(tx.breaker.stats.transitions.open).toBe(0);
    expect(tx.breaker.stats.reconnects).toBe(20);
  });

  it('counts the failure when the fresh connection fails too, and the breaker opens', async () => {
    const db = new FakeDataSource([terminated(), terminated(), terminated()]);
    const tx = strict(db);
    const error = await rejectionOf(tx.run(async () => 'x'));
    expect(error).toMatchObject({ status: 503, problem: CoreProblems.databaseUnavailable });
    expect(tx.breaker.state).toBe('open');
    expect(db.transactions).toBe(2); // the first attempt and the one on a fresh connection; then the breaker refused
    expect(tx.breaker.stats.reconnectOutcomes).toEqual({ recovered: 0, failed: 1 });
  });

  it('counts a refused connection at once: failing to connect is about the database', async () => {
    const db = new FakeDataSource([refused(), refused()]);
    const tx = strict(db);
    await rejectionOf(tx.run(async () => 'x'));
    expect(tx.breaker.state).toBe('open');
    expect(db.transactions).toBe(1);
    expect(tx.breaker.stats.reconnects).toBe(0);
  });

  it('reads again once on a fresh connection when a plain read loses its pooled one', async () => {
    const tx = strict(new FakeDataSource());
    let calls = 0;
    const value = await tx.read(async () => {
      if (++calls === 1) throw terminated();
      return 42;
    });
    expect({ value, calls, state: tx.breaker.state }).toEqual({ value: 42, calls: 2, state: 'closed' });
  });

  it('writes once more on a fresh connection when a plain write loses its pooled one; a second loss counts', async () => {
    const tx = strict(new FakeDataSource());
    let calls = 0;
    expect(
      await tx.write(async () => {
        if (++calls === 1) throw terminated();
        return 'stored';
      }),
    ).toBe('stored');
    expect({ calls, state: tx.breaker.state }).toEqual({ calls: 2, state: 'closed' });

    const error = await rejectionOf(tx.write(async () => Promise.reject(terminated())));
    expect((error as AppError).status).toBe(503);
    expect(tx.breaker.state).toBe('open');
    expect(tx.breaker.stats.reconnectOutcomes).toEqual({ recovered: 1, failed: 1 });
  });

  it('closes the idle PostgreSQL connections when one was found dead, so the re-run gets a fresh one', async () => {
    // pg-pool's own bookkeeping: idle clients that the server may have ended in the same sweep.
    const removed: string[] = [];
    const pool = {
      _idle: [{ client: 'idle-1' }, { client: 'idle-2' }],
      _remove(client: string) {
        removed.push(client);
        this._idle = this._idle.filter((item) => item.client !== client);
      },
      on: () => undefined,
    };
    const db = Object.assign(new FakeDataSource([terminated()]), { driver: { master: pool } });
    const tx = strict(db);
    expect(await tx.run(async () => 'ok')).toBe('ok');
    expect(removed).toEqual(['idle-1', 'idle-2']);
  });
});
