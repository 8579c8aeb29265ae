import 'reflect-metadata';
import type { AppConfig } from '../config/app-config';
import { sqliteErrors } from '../database/dialect';
import type { TransactionService } from '../database/transaction.service';
import type { IdempotencyRecordEntity } from './idempotency-record.entity';
import type { IdempotencyRepository, StoredResponse } from './idempotency.repository';
import { IdempotencyService } from './idempotency.service';

/** An in-memory stand-in for the table with its unique (scope, key) index. */
class FakeRepository {
  rows = new Map<string, IdempotencyRecordEntity>();

  async insert(record: IdempotencyRecordEntity): Promise<void> {
    if (this.rows.has(`${record.scope}|${record.key}`)) {
      throw Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' });
    }
    this.rows.set(`${record.scope}|${record.key}`, { ...record });
  }
  async findForScope(scope: string, key: string) {
    const row = this.rows.get(`${scope}|${key}`);
    return row ? { ...row } : null;
  }
  private byId(id: string) {
    return [...this.rows.values()].find((r) => r.id === id);
  }
  async takeOver(id: string, from: string, to: string, lockedUntil: Date) {
    const row = this.byId(id);
    if (!row || row.ownerToken !== from || row.state !== 'in_flight') return false;
    Object.assign(row, { ownerToken: to, lockedUntil });
    return true;
  }
  async complete(id: string, token: string, response: StoredResponse) {
    const row = this.byId(id);
    if (!row || row.ownerToken !== token || row.state !== 'in_flight') return false;
    Object.assign(row, { state: 'completed', responseStatus: response.status, responseBody: response.body, responseHeaders: '{}' });
    return true;
  }
  async release() {}
  async deleteIfExpired(id: string, now: Date) {
    for (const [k, r] of this.rows) if (r.id === id && r.expiresAt <= now) this.rows.delete(k);
  }
}

function setup(inFlightTimeoutSeconds = 60) {
  const repo = new FakeRepository();
  const tx = {
    errors: sqliteErrors,
    write: <T>(work: () => Promise<T>) => work(),
    read: <T>(work: () => Promise<T>) => work(),
    translate: (error: unknown) => error,
  } as unknown as TransactionService;
  const config = { idempotency: { inFlightTimeoutSeconds, retentionHours: 24 } } as AppConfig;
  return { repo, service: new IdempotencyService(repo as unknown as IdempotencyRepository, tx, config) };
}

describe('IdempotencyService.claim', () => {
  const t0 = new Date('2026-12-01T03:00:00Z');
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

  it('answers in-flight to a second attempt while the first holds the marker', async () => {
    const { service } = setup();
    expect(await service.claim('apiKey:k', 'key', 'fp', t0)).toMatchObject({ kind: 'owner' });
    expect(await service.claim('apiKey:k', 'key', 'fp', at(59))).toEqual({ kind: 'in-flight' });
  });

  it('lets a retry take over a marker abandoned past the in-flight timeout, and the old owner can no longer finish', async () => {
    const { service } = setup(60);
    const crashed = await service.claim('apiKey:k', 'key', 'fp', t0);
    const retry = await service.claim('apiKey:k', 'key', 'fp', at(61));
    expect(retry).toMatchObject({ kind: 'owner' });
    if (crashed.kind !== 'owner' || retry.kind !== 'owner') throw new Error('unexpected');
    expect(retry.id).toBe(crashed.id);
    // The stuck first attempt wakes up: its completion is refused, so its transaction rolls back.
    await expect(service.complete(crashed, { status: 201, body: '{}', headers: {} })).rejects.toMatchObject({
      status: 409,
    });
    await service.complete(retry, { status: 201, body: '{"id":"b1"}', headers: {} });
    expect(await service.claim('apiKey:k', 'key', 'fp', at(62))).toMatchObject({
      kind: 'replay',
      response: { status: 201, body: '{"id":"b1"}' },
    });
  });

  it('refuses a different request with the same key, and treats an expired record as a new key', async () => {
    const { service } = setup();
    const first = await service.claim('user:u', 'key', 'fp1', t0);
    if (first.kind !== 'owner') throw new Error('unexpected');
    await service.complete(first, { status: 201, body: null, headers: {} });
    expect(await service.claim('user:u', 'key', 'fp2', at(10))).toEqual({ kind: 'mismatch' });
    expect(await service.claim('user:u', 'key', 'fp2', at(24 * 3600 + 1))).toMatchObject({ kind: 'owner' });
  });
});
