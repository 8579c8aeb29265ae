import { Reflector } from '@nestjs/core';

/**
 * Opts a route (or controller) out of authentication. Everything else is denied by default.
 * Defined in core so platform routes (health, metrics, problem catalogue) can use it; `@aero/auth`
 * re-exports it with its other decorators.
 */
export const Public = Reflector.createDecorator<true | undefined>({ transform: () => true });
