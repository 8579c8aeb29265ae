/** One counting window of one request: `cost` units out of `limit` per `windowMs`, under `key`. */
export interface WindowRequest {
  /** The storage key (subject and policy), without the deployment prefix. */
  key: string;
  /** Policy name shown in the headers, e.g. `burst`, `minute`, `quota`. */
  policy: string;
  limit: number;
  windowMs: number;
  /** The policy's window as published (`w`), when it differs from `windowMs` (a calendar month). */
  policyWindowSeconds?: number;
  /** Units this request spends; 0 only reads, a negative cost refunds. */
  cost: number;
  /** Set on a monthly quota: its period (`yyyy-mm`); the count is also kept in the database. */
  durable?: string;
}

/** A window after the request: what was counted and when it resets. */
export interface WindowState {
  request: WindowRequest;
  /** Units counted in the window, this request included when it was allowed. */
  count: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

/** The outcome of one atomic check-and-count over every window that applies to a request. */
export interface ConsumeResult {
  /** True when every window had room; then (and only then) the cost was counted in all of them. */
  allowed: boolean;
  windows: WindowState[];
}

/**
 * Counts requests in fixed windows, atomically over several windows at once: a request is allowed only when
 * every window has room for its cost, and is then counted in all of them; a refused request counts nowhere.
 * Fixed cost per call whatever the traffic (one counter per window, never a timestamp per hit).
 */
export interface RateLimitStore {
  consume(windows: WindowRequest[], now: number): Promise<ConsumeResult>;
  /** Forgets the windows whose keys start with `keyPrefix` (operators unblocking a client). Returns how many. */
  reset(keyPrefix: string): Promise<number>;
}

/**
 * What the limiter needs to know about the caller, structurally (the authentication library's Principal
 * satisfies it; core imports no feature).
 */
export interface RateLimitSubject {
  kind: 'user' | 'apiKey';
  id: string;
  roles: readonly string[];
  /** Per-key override of the per-minute limit. */
  rateLimitPerMinute?: number;
  /** Requests an API key may make per calendar month (UTC). */
  monthlyQuota?: number;
}
