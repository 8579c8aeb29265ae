import { createHash } from 'node:crypto';
import type { AccessTokenClaims } from './token.service';

/**
 * The access tokens this instance has already verified, keyed by the SHA-256 of the token (the token itself
 * is never kept), so a repeat costs one hash and a Map lookup instead of a signature check and the claim
 * checks. Bounded: the least recently used entry goes first. An entry is used only while its `exp` is in
 * the future; whether its session has ended is asked on every use by the caller, so a logout or disable
 * takes effect exactly as it does without the cache. Failures are never cached.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, AccessTokenClaims>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The claims of `token` if it was verified here and has not expired at `nowMs`; otherwise undefined. */
  get(token: string, nowMs = Date.now()): AccessTokenClaims | undefined {
    if (this.capacity === 0) return undefined;
    const key = keyOf(token);
    const claims = this.entries.get(key);
    if (claims === undefined) return undefined;
    this.entries.delete(key);
    if (claims.exp * 1000 <= nowMs) return undefined;
    this.entries.set(key, claims); // most recently used last
    return claims;
  }

  /** Remembers the claims of a token that has just been verified. */
  remember(token: string, claims: AccessTokenClaims): void {
    if (this.capacity === 0) return;
    const key = keyOf(token);
    this.entries.delete(key);
    this.entries.set(key, claims);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }
}

function keyOf(token: string): string {
  return createHash('sha256').update(token).digest('base64');
}
