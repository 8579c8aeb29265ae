import createClient from 'openapi-fetch';
import type { Client } from 'openapi-fetch';
import type { components, paths } from './schema';
import type { RetryOptions, RetryRuntime } from './retry';
import { retryingFetch } from './retry';

export type { components, operations, paths } from './schema';
export type { RetryOptions, RetryRuntime } from './retry';
export { fullJitter, IDEMPOTENCY_KEY_HEADER, parseRetryAfter, retryingFetch } from './retry';
export type { WebhookEvent, WebhookEventOf } from './webhooks';
export { verifyWebhook, WEBHOOK_TOLERANCE_SECONDS, WebhookVerificationError } from './webhooks';

/** An RFC 9457 problem, as every error of the API is answered. */
export type Problem = components['schemas']['ValidationProblemDto'];

export interface AeroClientOptions {
  /** Where the API is, e.g. `https://api.example.com` (no trailing `/v1`). */
  baseUrl: string;
  /** An application API key (`aero_…`), sent as `X-API-Key`. */
  apiKey?: string;
  /** A user access token, or a function returning the current one; sent as `Authorization: Bearer`. */
  accessToken?: string | (() => string | undefined);
  /** Retry policy for network errors, 429 and 503. */
  retry?: RetryOptions;
  /** The underlying fetch (default: the global one). */
  fetch?: (request: Request) => Promise<Response>;
  /** Test seams for time, randomness and keys. */
  runtime?: Partial<RetryRuntime>;
}

export type AeroClient = Client<paths>;

/**
 * A typed client for every operation in the API's OpenAPI document (`client.GET('/v1/sessions', …)`),
 * which adds an `Idempotency-Key` to every write and retries safely (see `retryingFetch`).
 */
export function createAeroClient(options: AeroClientOptions): AeroClient {
  const inner = options.fetch ?? ((request: Request) => fetch(request));
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    fetch: retryingFetch(inner, options.retry, options.runtime),
  });
  client.use({
    onRequest({ request }) {
      if (options.apiKey) request.headers.set('X-API-Key', options.apiKey);
      const token = typeof options.accessToken === 'function' ? options.accessToken() : options.accessToken;
      if (token) request.headers.set('Authorization', `Bearer ${token}`);
      return request;
    },
  });
  return client;
}

/** Thrown by the helpers below when the API answers with a problem. */
export class AeroProblemError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem>,
  ) {
    super(`${status} ${problem.type ?? ''}: ${problem.detail ?? problem.title ?? 'request failed'}`);
    this.name = 'AeroProblemError';
  }
}

interface PageResult<T> {
  data?: { data: T[]; nextCursor: string | null };
  error?: unknown;
  response: Response;
}

/**
 * Every page of a list, following `nextCursor`:
 * `for await (const page of pages((cursor) => client.GET('/v1/bookings', { params: { query: { cursor } } })))`.
 */
export async function* pages<T>(fetchPage: (cursor?: string) => Promise<PageResult<T>>): AsyncGenerator<T[]> {
  let cursor: string | undefined;
  do {
    const result = await fetchPage(cursor);
    if (!result.data) throw new AeroProblemError(result.response.status, (result.error ?? {}) as Partial<Problem>);
    yield result.data.data;
    cursor = result.data.nextCursor ?? undefined;
  } while (cursor);
}
