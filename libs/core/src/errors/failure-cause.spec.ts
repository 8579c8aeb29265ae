import { QueryFailedError } from 'typeorm';
import { scrubMessage } from '../logging/log-safety';
import { requestTimedOut } from '../http/request-timeout.middleware';
import { errorIdentity, failureOf, recordFailure } from './failure-cause';

class RequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly number: number,
  ) {
    super(message);
  }
}

describe('FailureCause', () => {
  it("names a failed query's class, its driver error's class, SQL Server's error number and code", () => {
    const driverError = new RequestError('Connection lost - read ECONNRESET', 'ESOCKET', 10054);
    const failure = new QueryFailedError('SELECT 1 WHERE @0 = 1', ['secret-parameter'], driverError);
    const identity = errorIdentity(failure, scrubMessage);
    expect(identity).toMatchObject({ error: 'QueryFailedError', driverError: 'RequestError', code: 'ESOCKET', number: 10054 });
    expect(JSON.stringify(identity)).not.toContain('secret-parameter');
  });

  it('cuts the row contents a database quotes out of the message, and the message to 200 characters', () => {
    const quoted = Object.assign(new Error(`duplicate key. Key (email)=(leak@example.test) already exists.${'x'.repeat(300)}`), { code: '23505' });
    const identity = errorIdentity(quoted, scrubMessage);
    expect(identity.message).not.toContain('leak@example.test');
    expect(identity.message?.length).toBeLessThanOrEqual(200);
    expect(identity.code).toBe('23505');
  });

  it('says nothing it does not know: no class for a plain object, nothing for a string', () => {
    expect(errorIdentity('boom')).toEqual({});
    expect(errorIdentity({ code: 'ECONNREFUSED' })).toStrictEqual({ code: 'ECONNREFUSED' });
  });

  it("states a deadline 503's limit, and keeps a recorded cause with its response", () => {
    expect(requestTimedOut(1000).failure).toEqual({ dependency: 'deadline', reason: 'request-timeout', timeoutMs: 1000 });
    const response = {};
    recordFailure(response, { dependency: 'redis', error: 'ReplyError' });
    expect(failureOf(response)).toEqual({ dependency: 'redis', error: 'ReplyError' });
    expect(failureOf({})).toBeUndefined();
  });
});
