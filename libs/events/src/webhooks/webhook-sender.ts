import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { BlockedTargetError, guardedLookup, isBlockedAddress, systemLookup } from './address-guard';
import type { LookupFunction } from './address-guard';
import { parseRetryAfter } from './retry-schedule';

/** The first this many bytes of a receiver's answer are recorded with the attempt. */
export const RESPONSE_EXCERPT_BYTES = 1024;
/** Answers longer than this are cut off (a receiver cannot make us read megabytes). */
const RESPONSE_READ_LIMIT_BYTES = 64 * 1024;

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export type AttemptOutcome = 'succeeded' | 'failed' | 'refused';

export interface AttemptResult {
  /** succeeded: a 2xx in time; failed: anything else, retried; refused: the target is not allowed. */
  outcome: AttemptOutcome;
  statusCode: number | null;
  latencyMs: number;
  /** The first 1 kB of the answer's body (UTF-8, lossy), or null when there was none. */
  responseExcerpt: string | null;
  /** What went wrong, in words fit for the endpoint's owner (never a header or a secret). */
  error: string | null;
  /** From Retry-After on a 429 or 503. */
  retryAfterMs: number | null;
  /**
   * The request may have reached the receiver although no answer arrived (timeout or reset after the body
   * was sent): a retry may deliver a duplicate, which receivers drop by webhook-id.
   */
  ambiguous: boolean;
}

export interface WebhookSenderOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  /** Name resolution; tests inject one. Every answer passes the address guard before a socket connects. */
  lookup?: LookupFunction;
  userAgent?: string;
}

/**
 * Sends one webhook attempt. Redirects are not followed (a 3xx is a failure), the whole attempt is bounded
 * by the timeout, and the connection is only ever made to an address the guard allowed: the agents resolve
 * names through the guarded lookup at connect time, and literal addresses are checked here.
 */
export class WebhookSender {
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;
  /** For the one retry on a fresh connection after a kept-alive one turned out dead. */
  private readonly freshHttpAgent: HttpAgent;
  private readonly freshHttpsAgent: HttpsAgent;

  constructor(private readonly options: WebhookSenderOptions) {
    const lookup = guardedLookup(options.lookup ?? systemLookup, options.allowPrivate) as never;
    this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64, lookup } as never);
    this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64, lookup } as never);
    this.freshHttpAgent = new HttpAgent({ keepAlive: false, lookup } as never);
    this.freshHttpsAgent = new HttpsAgent({ keepAlive: false, lookup } as never);
  }

  send(attempt: WebhookRequest, fresh = false): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    let url: URL;
    try {
      url = new URL(attempt.url);
    } catch {
      return Promise.resolve(refused(0, 'the endpoint URL is not valid'));
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!this.options.allowPrivate && isIP(host) && isBlockedAddress(host)) {
      return Promise.resolve(refused(0, new BlockedTargetError(host, host).message));
    }
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') return Promise.resolve(refused(0, 'the endpoint URL is not http(s)'));

    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      let bodySent = false;
      const finish = (result: AttemptResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const request = (secure ? httpsRequest : httpRequest)(
        url,
        {
          method: 'POST',
          agent: fresh ? (secure ? this.freshHttpsAgent : this.freshHttpAgent) : secure ? this.httpsAgent : this.httpAgent,
          headers: {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(attempt.body)),
            'user-agent': this.options.userAgent ?? 'AeroSports-Webhooks/1.0',
            ...attempt.headers,
          },
        },
        (response) => {
          readExcerpt(response, (excerpt) => {
            const status = response.statusCode ?? 0;
            const ok = status >= 200 && status < 300;
            const retryAfterMs =
              status === 429 || status === 503 ? parseRetryAfter(header(response, 'retry-after'), new Date()) : null;
            finish({
              outcome: ok ? 'succeeded' : 'failed',
              statusCode: status,
              latencyMs: elapsed(),
              responseExcerpt: excerpt,
              error: ok ? null : status >= 300 && status < 400 ? `redirect ${status} not followed` : `answered ${status}`,
              retryAfterMs,
              ambiguous: false,
            });
          });
        },
      );
      const timer = setTimeout(() => {
        request.destroy();
        finish({
          outcome: 'failed',
          statusCode: null,
          latencyMs: elapsed(),
          responseExcerpt: null,
          error: `no answer within ${this.options.timeoutMs} ms`,
          retryAfterMs: null,
          ambiguous: bodySent,
        });
      }, this.options.timeoutMs);
      request.on('error', (error: NodeJS.ErrnoException) => {
        if (error instanceof BlockedTargetError || error.code === 'EWEBHOOKTARGET') {
          finish(refused(elapsed(), error.message));
          return;
        }
        // A kept-alive connection the receiver had already closed: once more on a new connection (the
        // receiver may have seen the request, which webhook-id de-duplication covers).
        if (!fresh && request.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE') && !settled) {
          settled = true;
          clearTimeout(timer);
          resolve(this.send(attempt, true));
          return;
        }
        finish({
          outcome: 'failed',
          statusCode: null,
          latencyMs: elapsed(),
          responseExcerpt: null,
          error: describeNetworkError(error),
          retryAfterMs: null,
          ambiguous: bodySent,
        });
      });
      request.end(attempt.body, () => {
        bodySent = true;
      });
    });
  }

  /** Closes idle keep-alive connections (on shutdown). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    this.freshHttpAgent.destroy();
    this.freshHttpsAgent.destroy();
  }
}

function refused(latencyMs: number, error: string): AttemptResult {
  return { outcome: 'refused', statusCode: null, latencyMs, responseExcerpt: null, error, retryAfterMs: null, ambiguous: false };
}

function header(response: IncomingMessage, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readExcerpt(response: IncomingMessage, done: (excerpt: string | null) => void): void {
  const chunks: Buffer[] = [];
  let read = 0;
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    const all = Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES);
    done(all.length > 0 ? all.toString('utf8') : null);
  };
  response.on('data', (chunk: Buffer) => {
    if (read < RESPONSE_EXCERPT_BYTES) chunks.push(chunk);
    read += chunk.length;
    if (read > RESPONSE_READ_LIMIT_BYTES) {
      response.destroy();
      end();
    }
  });
  response.on('end', end);
  response.on('error', end);
  response.on('close', end);
}

function describeNetworkError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset by the receiver';
    case 'ENOTFOUND':
      return 'host name not found';
    case 'EAI_AGAIN':
      return 'host name lookup failed for now';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'CERT_HAS_EXPIRED':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS certificate refused (${error.code})`;
    default:
      return error.code ? `network error ${error.code}` : 'network error';
  }
}
