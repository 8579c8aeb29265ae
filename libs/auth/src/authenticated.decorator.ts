import { applyDecorators } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiExtension, ApiSecurity } from '@nestjs/swagger';
import { ApiProblems } from '@aero/core';
import type { Role, Scope } from './principal';

export interface AuthRequirements {
  /** User roles allowed (any one of them). Omit (or empty) to refuse users (admins always pass). */
  roles?: Role[];
  /**
   * API-key scopes required (all of them); `[]` accepts any valid key. Omit to refuse API keys (the `admin`
   * scope always passes).
   */
  scopes?: Scope[];
}

/** Metadata read by the authentication guard. */
export const AuthRequirementsMetadata = Reflector.createDecorator<AuthRequirements>();

/**
 * Declares who may call a route, for the guard and for the OpenAPI document at once, so they cannot
 * drift: `@Authenticated({ roles: ['staff'], scopes: ['bookings:write'] })`. Admins pass every check;
 * `@Authenticated()` alone means admins only. A route without it (and not `@Public()`) still requires
 * authentication and is admin-only.
 */
export function Authenticated(requirements: AuthRequirements = {}): MethodDecorator & ClassDecorator {
  // Both schemes are always listed: an admin user or an `admin`-scoped key passes every route. OAS 3.0
  // allows scopes only on OAuth schemes, so what a route needs is stated in `x-required-roles` and
  // `x-required-scopes`, which the document builder also turns into the operation's description.
  const roles = requirements.roles?.length ? requirements.roles : ['admin'];
  const scopes = requirements.scopes ?? ['admin'];
  return applyDecorators(
    AuthRequirementsMetadata(requirements),
    ApiProblems(400, 401, 403), // 400: both credentials at once (ambiguous-credentials)
    ApiBearerAuth('bearer'),
    ApiSecurity('api-key'),
    ApiExtension('x-required-roles', roles),
    ApiExtension('x-required-scopes', scopes),
  );
}
