import { nextRetry, nominalRetryDelayMs, parseRetryAfter, RETRY_HORIZON_MS } from './retry-schedule';

const first = new Date('2027-01-01T00:00:00Z');
const at = (ms: number) => new Date(first.getTime() + ms);
const H = 3_600_000;

describe('retry schedule', () => {
  it('follows 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then 12 h', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 12].map(nominalRetryDelayMs)).toEqual([
      5_000, 300_000, 1_800_000, 2 * H, 5 * H, 10 * H, 12 * H, 12 * H,
    ]);
  });

  it('draws each delay with full jitter, up to the nominal delay', () => {
    expect(nextRetry(2, first, first, null, () => 1).nextAttemptAt).toEqual(at(300_000));
    expect(nextRetry(2, first, first, null, () => 0.5).nextAttemptAt).toEqual(at(150_000));
    // never sooner than a second
    expect(nextRetry(1, first, first, null, () => 0).nextAttemptAt).toEqual(at(1_000));
  });

  it('gives up once the next attempt would be more than 72 h after the first', () => {
    expect(nextRetry(10, first, at(RETRY_HORIZON_MS - 13 * H), null, () => 1).nextAttemptAt).toEqual(at(RETRY_HORIZON_MS - H));
    expect(nextRetry(10, first, at(RETRY_HORIZON_MS - 11 * H), null, () => 1).nextAttemptAt).toBeNull();
  });

  it('honours a longer Retry-After, capped at a day', () => {
    expect(nextRetry(1, first, first, 120_000, () => 1).nextAttemptAt).toEqual(at(120_000));
    expect(nextRetry(2, first, first, 1_000, () => 1).nextAttemptAt).toEqual(at(300_000));
    expect(nextRetry(1, first, first, 48 * H, () => 1).nextAttemptAt).toEqual(at(24 * H));
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('120', first)).toBe(120_000);
    expect(parseRetryAfter(new Date(first.getTime() + 30_000).toUTCString(), first)).toBe(30_000);
    expect(parseRetryAfter('soon', first)).toBeNull();
    expect(parseRetryAfter(undefined, first)).toBeNull();
  });
});
