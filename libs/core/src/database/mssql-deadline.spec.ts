import { runWithDeadline } from '../http/request-deadline';
import { mssqlErrors } from './dialect';
import type { MssqlModuleLike } from './mssql-parameters';
import { typedMssqlDriver } from './mssql-parameters';

/**
 * node-mssql's Request with the network cut off: `query()` waits (a statement blocked on a lock) until it
 * is cancelled, then fails the way node-mssql does (RequestError 'Canceled.', code ECANCEL).
 */
function fakeMssql() {
  const seen = { cancels: 0, queries: 0 };
  class FakeRequest {
    private reject?: (error: Error) => void;
    private resolve?: (value: unknown) => void;
    input(): void {}
    query(_command?: string): Promise<unknown> {
      seen.queries++;
      return new Promise((resolve, reject) => {
        this.resolve = resolve;
        this.reject = reject;
      });
    }
    finish(): void {
      this.resolve?.({ recordset: [], rowsAffected: [1] });
    }
    cancel(): void {
      seen.cancels++;
      this.reject?.(Object.assign(new Error('Canceled.'), { name: 'RequestError', code: 'ECANCEL' }));
    }
  }
  const mssql = { Request: FakeRequest } as unknown as MssqlModuleLike;
  const Request = typedMssqlDriver(mssql).Request as unknown as new () => FakeRequest;
  return { seen, Request };
}

describe('SQL Server statements and the request deadline', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-12-07T12:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('cancels a statement still running when the deadline passes (an attention packet), answered as 503', async () => {
    const { seen, Request } = fakeMssql();
    const deadline = { at: Date.now() + 1000, expired: false };
    const running = runWithDeadline(
      deadline,
      () => new Request().query('UPDATE "sessions" SET …') as Promise<unknown>,
    );
    const outcome = running.then(
      () => 'committed',
      (error: unknown) => error,
    );
    jest.advanceTimersByTime(999);
    expect(seen.cancels).toBe(0);
    jest.advanceTimersByTime(1);
    const error = await outcome;
    expect(seen.cancels).toBe(1);
    expect(error).toMatchObject({ code: 'ECANCEL' });
    expect(mssqlErrors.isUnavailable(error)).toBe(true);
    expect(mssqlErrors.isTransient(error)).toBe(false); // never re-run: the client has been answered
  });

  it('leaves a statement that finishes in time alone, and leaves no timer behind', async () => {
    const { seen, Request } = fakeMssql();
    const request = new Request();
    const running = runWithDeadline(
      { at: Date.now() + 1000, expired: false },
      () => request.query('SELECT 1') as Promise<unknown>,
    );
    request.finish();
    await expect(running).resolves.toMatchObject({ rowsAffected: [1] });
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(5000);
    expect(seen.cancels).toBe(0);
  });

  it('cancels at once a statement sent after the deadline passed', async () => {
    const { seen, Request } = fakeMssql();
    const running = runWithDeadline(
      { at: Date.now() - 1, expired: true },
      () => new Request().query('SELECT 1') as Promise<unknown>,
    );
    jest.advanceTimersByTime(0);
    await expect(running).rejects.toMatchObject({ code: 'ECANCEL' });
    expect(seen.cancels).toBe(1);
  });

  it('does not bound statements outside a request (CLI, background jobs)', () => {
    const { seen, Request } = fakeMssql();
    void new Request().query('SELECT 1');
    expect(jest.getTimerCount()).toBe(0);
    expect(seen).toEqual({ cancels: 0, queries: 1 });
  });
});
