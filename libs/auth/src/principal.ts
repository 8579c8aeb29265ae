export const ROLES = ['admin', 'staff', 'member'] as const;
export type Role = (typeof ROLES)[number];

export const SCOPES = [
  'members:read',
  'members:write',
  'bookings:read',
  'bookings:write',
  'venues:read',
  'venues:write',
  'usage:read',
  'events:read',
  'webhooks:write',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * Who is calling, whichever credential they used. Built once per request by the authentication guard
 * and carries everything later stations need (authorization, rate limiting, usage) without a database read.
 */
export interface Principal {
  kind: 'user' | 'apiKey';
  /** User id or API key id. */
  id: string;
  /**
   * An API key's rotation chain (the first key's id), the same for a rotated key and its successors: the
   * caller an Idempotency-Key belongs to. Rate limits, quotas and usage stay per key (`id`).
   */
  lineageId?: string;
  /**
   * A rotated API key still in its grace period: its successor's id. What the key owned (webhook endpoints)
   * is the successor's now; during the grace period the old key still manages it, and what it creates goes
   * to the successor too.
   */
  successorId?: string;
  /** Roles of a user; empty for API keys. */
  roles: Role[];
  /** Scopes of an API key; empty for users. */
  scopes: Scope[];
  /** The member profile a `member` user acts as (they see only it and its dependants). */
  memberId?: string;
  /** Venues the caller may see; undefined means every venue. */
  venueIds?: string[];
  /** The app an API key belongs to (`kiosk`, `pos`, `web`, `partner`, `internal`). */
  app?: string;
  /** Per-key rate limit for the traffic-control station; undefined means the tier default. */
  rateLimitPerMinute?: number;
  /** Requests an API key may make per calendar month (UTC); undefined means no quota. */
  monthlyQuota?: number;
  /** Open holds an API key may have at once; undefined means HOLDS_MAX_OPEN_PER_PRINCIPAL. */
  maxOpenHolds?: number;
  /** A user's email, for audit fields; never used for authorization. */
  email?: string;
}

/** The admin role or the admin scope passes every check. */
export function isAdmin(principal: Principal): boolean {
  return principal.roles.includes('admin') || principal.scopes.includes('admin');
}

/** Staff-level access: admins and staff users, and API keys (whose reach is set by scopes). */
export function isStaffOrAdmin(principal: Principal): boolean {
  return isAdmin(principal) || principal.roles.includes('staff');
}

/** Whether the caller may see data of this venue. */
export function canAccessVenue(principal: Principal, venueId: string): boolean {
  return principal.venueIds === undefined || principal.venueIds.includes(venueId);
}
