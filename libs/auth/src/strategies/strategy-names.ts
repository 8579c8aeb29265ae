import type { PassportStatic } from 'passport';

/** Passport strategy names, one per credential the guard accepts. */
export const JWT_STRATEGY = 'jwt';
export const API_KEY_STRATEGY = 'api-key';

/**
 * DI token under which ApiKeysModule provides its passport strategy (libs/api-keys depends on this lib,
 * not the reverse). The guard works without it and then refuses every `X-API-Key`.
 */
export const API_KEY_STRATEGY_PROVIDER = Symbol('API_KEY_STRATEGY_PROVIDER');

/**
 * What our strategies hand to `PassportStrategy` instead of passport's process-wide registry: there the
 * last app built in a process (tests boot several) would answer for all of them. The guard registers
 * the strategies with its own Authenticator instead.
 */
export const UNSHARED_REGISTRY = { use: () => UNSHARED_REGISTRY } as unknown as PassportStatic;
