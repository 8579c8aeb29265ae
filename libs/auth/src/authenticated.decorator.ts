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
  /**
   * `false`: only user tokens, never an API key (not even an `admin` one), for operations on "my
   * account" that an application key has no meaning for (`/v1/users/me`, `/v1/auth/password`).
   */
  apiKeys?: false;
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
  // Both schemes are listed unless API keys are refused: an admin user or an `admin`-scoped key passes
  // every other route. OAS 3.0 allows scopes only on OAuth schemes, so what a route needs is stated in
  // `x-required-roles` and `x-required-scopes`, which the document builder also turns into the
  // operation's description.
  const roles = requirements.roles?.length ? requirements.roles : ['admin'];
  // `x-api-keys: false` also tells the document builder to drop a key scheme inherited from the controller.
  const keys =
    requirements.apiKeys === false
      ? [ApiExtension('x-api-keys', false)]
      : [ApiSecurity('api-key'), ApiExtension('x-required-scopes', requirements.scopes ?? ['admin'])];
  return applyDecorators(
    AuthRequirementsMetadata(requirements),
    ApiProblems(401, 403),
    ApiBearerAuth('bearer'),
    ...keys,
    ApiExtension('x-required-roles', roles),
  );
}
