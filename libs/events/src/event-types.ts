/**
 * Every event type the API emits, one per state change an app or partner cares about. The list is the
 * contract: the feed's `types` filter, the OpenAPI schemas and webhook subscriptions all come from it.
 */
export const EVENT_TYPES = [
  'booking.created',
  'booking.cancelled',
  'booking.checked_in',
  'hold.expired',
  'member.created',
  'member.updated',
  'waiver.signed',
  'membership.changed',
  'session.created',
  'session.updated',
  'session.cancelled',
  'venue.updated',
  'api_key.created',
  'api_key.revoked',
  'api_key.rotated',
  'user.disabled',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * What each event's `data` is: the resource as its GET returns it at that moment, named by the response
 * schema of that GET in openapi.json. Admin-only events (API keys, users) carry no venue and are shown
 * only to admins.
 */
export const EVENT_RESOURCES: Record<EventType, { schema: string; summary: string; adminOnly?: true }> = {
  'booking.created': { schema: 'BookingResponseDto', summary: 'A booking was made (directly or from a hold).' },
  'booking.cancelled': { schema: 'BookingResponseDto', summary: 'A booking was cancelled; its places are back on sale.' },
  'booking.checked_in': { schema: 'BookingResponseDto', summary: 'A guest arrived and was checked in.' },
  'hold.expired': { schema: 'HoldResponseDto', summary: 'A hold lapsed without being converted; its places are back on sale.' },
  'member.created': { schema: 'MemberResponseDto', summary: 'A member profile (or dependant) was created.' },
  'member.updated': { schema: 'MemberResponseDto', summary: "A member's profile changed." },
  'waiver.signed': { schema: 'WaiverResponseDto', summary: 'A member signed a waiver.' },
  'membership.changed': { schema: 'MemberResponseDto', summary: "A member's membership (tier, status or dates) changed." },
  'session.created': { schema: 'SessionResponseDto', summary: 'A session was scheduled.' },
  'session.updated': { schema: 'SessionResponseDto', summary: 'A session changed (times, capacity, price).' },
  'session.cancelled': { schema: 'SessionResponseDto', summary: 'A session was cancelled.' },
  'venue.updated': { schema: 'VenueResponseDto', summary: "A venue's details changed." },
  'api_key.created': { schema: 'ApiKeyDto', summary: 'An API key was created (never its secret).', adminOnly: true },
  'api_key.revoked': { schema: 'ApiKeyDto', summary: 'An API key was revoked.', adminOnly: true },
  'api_key.rotated': { schema: 'ApiKeyDto', summary: 'An API key was rotated (never its secret).', adminOnly: true },
  'user.disabled': { schema: 'UserDto', summary: 'A user account was disabled.', adminOnly: true },
};

/**
 * The `data` type of each event. The events lib cannot import the features that own these resources, so
 * each feature declares its own entries (module augmentation of `@aero/events`):
 *
 * ```ts
 * declare module '@aero/events' {
 *   interface EventPayloads { 'booking.created': BookingResponseDto }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface EventPayloads {}

/** The `data` of event `T`: its feature's response DTO where declared, a JSON object otherwise. */
export type EventData<T extends EventType> = T extends keyof EventPayloads ? EventPayloads[T] : object;

/** Who did it: the acting principal (a user or an API key), or `system` for the sweeper and the CLI. */
export interface EventActor {
  kind: 'user' | 'apiKey' | 'system';
  /** User id or API key id; `system` actors name the job (`hold-sweeper`, `cli`). */
  id: string;
}

/**
 * Reads the audit tags features already store (`user:<id>`, `apiKey:<id>`, or a job name such as `cli`)
 * as an actor.
 */
export function actorFromTag(tag: string): EventActor {
  const [kind, ...rest] = tag.split(':');
  const id = rest.join(':');
  if ((kind === 'user' || kind === 'apiKey') && id) return { kind, id };
  return { kind: 'system', id: tag.slice(0, 36) };
}
