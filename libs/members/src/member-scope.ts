import type { Principal } from '@aero/auth';
import { isStaffOrAdmin } from '@aero/auth';

/**
 * Whether the caller acts for one member only (a `member` user): they then see and act for that member
 * and their dependants, nothing else. Staff, admins and API keys are limited by role, scope and venue instead.
 */
export function isMemberScoped(principal: Principal): boolean {
  return principal.kind === 'user' && !isStaffOrAdmin(principal);
}
