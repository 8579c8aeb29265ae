/** Who made a request, as recorded: an API key, a user, or nobody (no or invalid credentials). */
export const PRINCIPAL_KINDS = ['apiKey', 'user', 'anonymous'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

/** One request, as the usage middleware saw it finish. Plain data: cheap to make, cheap to buffer. */
export interface UsageRecord {
  /** When the request arrived (epoch milliseconds). */
  at: number;
  principalKind: PrincipalKind;
  /** API key id or user id; empty for anonymous requests. */
  principalId: string;
  /** The app of an API key (`kiosk`, `pos`, …); empty for users and anonymous requests. */
  app: string;
  method: string;
  /** The route template (`/v1/bookings/:id`) or `unmatched`, never the raw path. */
  route: string;
  status: number;
  latencyUs: number;
  responseBytes: number;
  clientIp: string;
  /** Refused by a rate limit or quota (status 429). */
  throttled: boolean;
  /** Answered from the idempotency store (`Idempotent-Replayed: true`). */
  replayed: boolean;
}
