import { applyDecorators } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import { ApiProblems } from '@aero/core';
import type { Role, Scope } from './principal';

export interface AuthRequirements {
  /** User roles allowed (any one of them). Omit to refuse users (admins always pass). */
  roles?: Role[];
  /** API-key scopes required (all of them). Omit to refuse API keys (the `admin` scope always passes). */
  scopes?: Scope[];
}

/** Metadata read by the authentication guard. */
export const AuthRequirementsMetadata = Reflector.createDecorator<AuthRequirements>();

/**
 * Declares who may call a route, for the guard and for the OpenAPI document at once, so they cannot
 * drift: `@Authenticated({ roles: ['staff'], scopes: ['bookings:write'] })`. Admins pass every check.
 */
export function Authenticated(requirements: AuthRequirements = {}): MethodDecorator & ClassDecorator {
  const decorators = [AuthRequirementsMetadata(requirements), ApiProblems(401, 403)];
  if (requirements.roles?.length) decorators.push(ApiBearerAuth('bearer'));
  if (requirements.scopes?.length) decorators.push(ApiSecurity('api-key', requirements.scopes));
  return applyDecorators(...decorators);
}
