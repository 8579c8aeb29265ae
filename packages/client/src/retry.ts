/** How the client retries; every field has a default. */
export interface RetryOptions {
  /** Give up once this much time has passed since the first attempt (default 30 s). */
  deadlineMs?: number;
  /** At most this many attempts in all (default 5). */
  maxAttempts?: number;
  /** Backoff base: attempt n waits a random time in [0, min(maxDelayMs, baseDelayMs × 2^n)) (default 200 ms). */
  baseDelayMs?: number;
  /** Backoff cap (default 10 s). */
  maxDelayMs?: number;
}

/** Seams for tests: time, randomness, waiting and the key generator. */
export interface RetryRuntime {
  now: () => number;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  newKey: () => string;
}

export const DEFAULT_RETRY: Required<RetryOptions> = {
  deadlineMs: 30_000,
  maxAttempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
};

/** Statuses worth another attempt: the server asked us to come back later. */
const RETRYABLE_STATUSES = new Set([429, 503]);
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** "Full jitter" backoff: uniformly random in [0, min(cap, base × 2^attempt)). */
export function fullJitter(attempt: number, options: Required<RetryOptions>, random: () => number): number {
  return Math.floor(random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt));
}

/**
 * Wraps `fetch` so that
 * - every write (POST, PUT, PATCH, DELETE) carries an `Idempotency-Key` (a random UUID unless the caller set
 *   one), the same on every attempt, so the server can recognise a retry of a request it already did;
 * - network errors, 429 and 503 are retried with full-jitter backoff, waiting at least `Retry-After`,
 *   until `maxAttempts` or the deadline; a wait that would end past the deadline is not started and the
 *   last answer (or error) is returned.
 */
export function retryingFetch(
  inner: (request: Request) => Promise<Response>,
  options: RetryOptions = {},
  runtime: Partial<RetryRuntime> = {},
): (request: Request) => Promise<Response> {
  const settings = { ...DEFAULT_RETRY, ...options };
  const rt: RetryRuntime = {
    now: Date.now,
    random: Math.random,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    newKey: () => crypto.randomUUID(),
    ...runtime,
  };
  return async (original: Request): Promise<Response> => {
    const request = original.clone();
    if (WRITE_METHODS.has(request.method.toUpperCase()) && !request.headers.has(IDEMPOTENCY_KEY_HEADER)) {
      request.headers.set(IDEMPOTENCY_KEY_HEADER, rt.newKey());
    }
    const started = rt.now();
    for (let attempt = 0; ; attempt++) {
      let response: Response | undefined;
      let failure: unknown;
      try {
        response = await inner(request.clone());
      } catch (error) {
        if (request.signal.aborted) throw error;
        failure = error;
      }
      if (response && !RETRYABLE_STATUSES.has(response.status)) return response;
      const last = (): Response => {
        if (response) return response;
        throw failure;
      };
      if (attempt + 1 >= settings.maxAttempts) return last();
      const asked = response ? parseRetryAfter(response.headers.get('Retry-After'), rt.now()) : undefined;
      const delay = Math.max(asked ?? 0, fullJitter(attempt, settings, rt.random));
      if (rt.now() + delay - started > settings.deadlineMs) return last();
      // Let the connection be reused: an unread body would hold it.
      await response?.body?.cancel().catch(() => undefined);
      await rt.sleep(delay);
    }
  };
}
