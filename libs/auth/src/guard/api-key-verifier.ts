import type { Principal } from '../principal';

/**
 * How the guard checks an `X-API-Key` without depending on libs/api-keys (which depends on this lib):
 * `ApiKeysModule` provides it under this token. Throws the api-keys problem types on failure.
 */
export interface ApiKeyVerifier {
  verify(presentedKey: string): Promise<Principal>;
}

export const API_KEY_VERIFIER = Symbol('API_KEY_VERIFIER');
