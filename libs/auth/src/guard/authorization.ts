import { AppError } from '@aero/core';
import { AuthProblems } from '../auth.errors';
import type { AuthRequirements } from '../authenticated.decorator';
import type { Principal } from '../principal';
import { isAdmin } from '../principal';

/**
 * Station 4. Decides whether an authenticated principal may call a route with these requirements:
 * - the `admin` role or the `admin` scope passes everything;
 * - a user passes when they hold ANY of `roles`; `roles` absent (or empty) means admins only;
 * - an API key passes when it holds ALL of `scopes`; `scopes` absent means admin keys only, while
 *   `scopes: []` means any valid key;
 * - `apiKeys: false` refuses every API key, admin ones included (user-account operations);
 * - a route without `@Authenticated` has no requirements and is therefore admin-only (deny by default).
 * Throws 403 problems naming what is missing.
 */
export function authorize(principal: Principal, requirements: AuthRequirements | undefined): void {
  if (principal.kind !== 'user' && requirements?.apiKeys === false) {
    throw new AppError(AuthProblems.userRequired, 'This operation is about a user account: sign in; API keys are not accepted.');
  }
  if (isAdmin(principal)) return;
  const { roles, scopes } = requirements ?? {};
  if (principal.kind === 'user') {
    const allowed = roles && roles.length > 0 ? roles : undefined;
    if (allowed && principal.roles.some((role) => allowed.includes(role))) return;
    const requiredRoles = allowed ?? ['admin'];
    throw new AppError(AuthProblems.roleRequired, `This operation needs one of the roles: ${requiredRoles.join(', ')}.`, {
      requiredRoles,
    });
  }
  const required = scopes ?? ['admin'];
  const missingScopes = required.filter((scope) => !principal.scopes.includes(scope));
  if (missingScopes.length === 0) return;
  throw new AppError(AuthProblems.scopeMissing, `The API key lacks the scope(s): ${missingScopes.join(', ')}.`, {
    missingScopes,
  });
}
