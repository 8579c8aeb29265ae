import type { Principal } from '@aero/auth';

/** `<kind>:<id>`: who made a hold or booking. */
export function ownerKeyOf(principal: Principal): string {
  return `${principal.kind}:${principal.id}`;
}

/** The namespace of `externalRef`: the app of an API key, or the caller. */
export function externalScopeOf(principal: Principal): string {
  return principal.kind === 'apiKey' && principal.app ? `app:${principal.app}` : ownerKeyOf(principal);
}

/** The allowance subject of a member's bookings on a session. */
export function memberSubject(memberId: string): string {
  return `member:${memberId}`;
}

/** The allowance subject of the holds one caller (by owner key) makes on a session. */
export function holderSubject(ownerKey: string): string {
  return `holder:${ownerKey}`;
}
