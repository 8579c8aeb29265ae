import { DEFAULT_RETRY, fullJitter, IDEMPOTENCY_KEY_HEADER, parseRetryAfter, retryingFetch } from './retry';

/** A fake clock the fake sleep advances, so deadlines are exact. */
function runtime(random = 0.5) {
  let now = 1_000_000;
  const waits: number[] = [];
  let keys = 0;
  return {
    waits,
    rt: {
      now: () => now,
      random: () => random,
      sleep: async (ms: number) => {
        waits.push(ms);
        now += ms;
      },
      newKey: () => `key-${++keys}`,
    },
  };
}

const answer = (status: number, headers: Record<string, string> = {}) => new Response(status === 204 ? null : '{}', { status, headers });

describe('retryingFetch', () => {
  it('adds one Idempotency-Key to a write and sends the same one on every retry', async () => {
    const { rt } = runtime();
    const keys: (string | null)[] = [];
    const statuses = [503, 429, 201];
    const send = retryingFetch(async (req) => {
      keys.push(req.headers.get(IDEMPOTENCY_KEY_HEADER));
      return answer(statuses.shift() ?? 500);
    }, {}, rt);
    const res = await send(new Request('http://api.test/v1/bookings', { method: 'POST', body: '{"quantity":1}' }));
    expect(res.status).toBe(201);
    expect(keys).toEqual(['key-1', 'key-1', 'key-1']);
  });

  it('keeps a key the caller chose and adds none to reads', async () => {
    const { rt } = runtime();
    const seen: (string | null)[] = [];
    const send = retryingFetch(async (req) => {
      seen.push(req.headers.get(IDEMPOTENCY_KEY_HEADER));
      return answer(200);
    }, {}, rt);
    await send(new Request('http://api.test/v1/holds', { method: 'POST', body: '{}', headers: { [IDEMPOTENCY_KEY_HEADER]: 'mine' } }));
    await send(new Request('http://api.test/v1/sessions'));
    expect(seen).toEqual(['mine', null]);
  });

  it('waits at least Retry-After, and retries network errors with jittered backoff', async () => {
    const { rt, waits } = runtime(0.5);
    let calls = 0;
    const send = retryingFetch(async () => {
      calls++;
      if (calls === 1) throw new TypeError('fetch failed');
      if (calls === 2) return answer(503, { 'Retry-After': '3' });
      return answer(200);
    }, {}, rt);
    expect((await send(new Request('http://api.test/v1/venues'))).status).toBe(200);
    // attempt 0: half of min(10 s, 200 ms) = 100 ms; attempt 1: max(3 s asked, 200 ms jitter).
    expect(waits).toEqual([100, 3000]);
  });

  it('does not retry other statuses', async () => {
    const { rt } = runtime();
    let calls = 0;
    const send = retryingFetch(async () => {
      calls++;
      return answer(409);
    }, {}, rt);
    expect((await send(new Request('http://api.test/v1/bookings', { method: 'POST', body: '{}' }))).status).toBe(409);
    expect(calls).toBe(1);
  });

  it('gives up with the last answer when the next wait would pass the deadline', async () => {
    const { rt, waits } = runtime();
    let calls = 0;
    const send = retryingFetch(async () => {
      calls++;
      return answer(503, { 'Retry-After': '4' });
    }, { deadlineMs: 10_000, maxAttempts: 10 }, rt);
    const res = await send(new Request('http://api.test/v1/venues'));
    expect(res.status).toBe(503);
    expect(waits).toEqual([4000, 4000]);
    expect(calls).toBe(3);
  });

  it('stops after maxAttempts and rethrows the last network error', async () => {
    const { rt } = runtime();
    let calls = 0;
    const send = retryingFetch(async () => {
      calls++;
      throw new TypeError('ECONNREFUSED');
    }, { maxAttempts: 3 }, rt);
    await expect(send(new Request('http://api.test/v1/venues'))).rejects.toThrow('ECONNREFUSED');
    expect(calls).toBe(3);
  });
});

describe('backoff and Retry-After parsing', () => {
  it('full jitter stays within [0, min(cap, base × 2^attempt))', () => {
    expect(fullJitter(0, DEFAULT_RETRY, () => 0.999)).toBeLessThan(200);
    expect(fullJitter(3, DEFAULT_RETRY, () => 0.999)).toBeLessThan(1600);
    expect(fullJitter(20, DEFAULT_RETRY, () => 0.999)).toBeLessThan(10_000);
    expect(fullJitter(5, DEFAULT_RETRY, () => 0)).toBe(0);
  });

  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.parse('Tue, 01 Dec 2026 12:00:00 GMT');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
