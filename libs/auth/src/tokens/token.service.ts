import { createHash, createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtService, TokenExpiredError } from '@nestjs/jwt';
import { AppConfig, AppError } from '@aero/core';
import { AuthProblems } from '../auth.errors';
import type { Role } from '../principal';
import { ROLES } from '../principal';

/** The token-type claim: only `access` tokens authenticate requests. */
export const ACCESS_TOKEN_TYPE = 'access';
export const ALGORITHM = 'HS256';

/**
 * The JOSE header parameters an access token may carry (RFC 7515 §4, RFC 8725 §3): `alg` (HS256 only) and
 * `typ` (`JWT`, if present). Everything else is refused, not ignored: `crit` names extensions we do not
 * implement (so §4.1.11 says reject), `b64: false` (RFC 7797) changes what the signature covers, and
 * `kid`, `jku`, `jwk`, `x5u`, `x5c`, `x5t` ask the verifier to pick or fetch a key — there is one key, never
 * chosen by the token.
 */
export const ACCEPTED_HEADER_PARAMETERS: ReadonlySet<string> = new Set(['alg', 'typ']);

/** What an access token says about its user, so authorization needs no database read. */
export interface AccessTokenSubject {
  userId: string;
  /** The session (refresh-token family) the token belongs to. */
  sessionId: string;
  roles: Role[];
  email: string;
  memberId?: string | null;
  venueIds?: string[] | null;
}

export interface AccessTokenClaims {
  iss: string;
  aud: string | string[];
  sub: string;
  exp: number;
  iat: number;
  jti: string;
  typ: string;
  sid: string;
  roles: Role[];
  email: string;
  mid?: string;
  vids?: string[];
}

/**
 * Issues and verifies JWT access tokens (HS256 pinned; iss, aud, exp, token type checked) and makes opaque
 * refresh tokens. The key is a `KeyObject`: with a string secret jsonwebtoken tries to parse it as a
 * public key on every call (measured here: ~500 µs vs ~10 µs; docs/architecture.md, Decisions).
 */
@Injectable()
export class TokenService {
  private readonly key: KeyObject;
  private readonly jwt: JwtService;
  /** The encoded header of every token this service signs: a token that has it needs no header parsing. */
  private readonly issuedHeader: string;

  constructor(private readonly config: AppConfig) {
    this.key = createSecretKey(Buffer.from(config.jwt.signingKey));
    this.jwt = new JwtService({
      secret: this.key,
      signOptions: { algorithm: ALGORITHM, issuer: config.jwt.issuer, audience: config.jwt.audience },
      verifyOptions: { algorithms: [ALGORITHM], issuer: config.jwt.issuer, audience: config.jwt.audience },
    });
    this.issuedHeader = Buffer.from(JSON.stringify({ alg: ALGORITHM, typ: 'JWT' })).toString('base64url');
  }

  get accessTtlSeconds(): number {
    return this.config.jwt.accessTtlSeconds;
  }

  signAccessToken(subject: AccessTokenSubject): string {
    const payload: Record<string, unknown> = {
      typ: ACCESS_TOKEN_TYPE,
      sid: subject.sessionId,
      roles: subject.roles,
      email: subject.email,
    };
    if (subject.memberId) payload.mid = subject.memberId;
    if (subject.venueIds) payload.vids = subject.venueIds;
    return this.jwt.sign(payload, {
      subject: subject.userId,
      jwtid: randomUUID(),
      expiresIn: this.config.jwt.accessTtlSeconds,
    });
  }

  /**
   * Verifies the header (only accepted parameters), signature, algorithm, issuer, audience, expiry
   * (required) and type; throws 401 problems.
   */
  verifyAccessToken(token: string): AccessTokenClaims {
    this.checkHeader(token);
    let claims: AccessTokenClaims;
    try {
      claims = this.jwt.verify<AccessTokenClaims>(token);
    } catch (error) {
      if (error instanceof TokenExpiredError) throw new AppError(AuthProblems.tokenExpired);
      throw new AppError(AuthProblems.invalidToken);
    }
    // jsonwebtoken accepts a token without `exp`; we do not.
    if (typeof claims.exp !== 'number') throw new AppError(AuthProblems.invalidToken, 'The token has no expiry.');
    if (claims.typ !== ACCESS_TOKEN_TYPE) throw new AppError(AuthProblems.invalidToken, 'This is not an access token.');
    if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string' || !Array.isArray(claims.roles)) {
      throw new AppError(AuthProblems.invalidToken);
    }
    if (!claims.roles.every((role) => (ROLES as readonly string[]).includes(role))) {
      throw new AppError(AuthProblems.invalidToken);
    }
    return claims;
  }

  /** Refuses a token whose JOSE header holds anything but `alg` and `typ: JWT` (see ACCEPTED_HEADER_PARAMETERS). */
  private checkHeader(token: string): void {
    const dot = token.indexOf('.');
    const encoded = dot === -1 ? token : token.slice(0, dot);
    if (encoded === this.issuedHeader) return;
    let header: unknown;
    try {
      header = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    } catch {
      throw new AppError(AuthProblems.invalidToken);
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new AppError(AuthProblems.invalidToken);
    const refused = Object.keys(header).filter((name) => !ACCEPTED_HEADER_PARAMETERS.has(name));
    if (refused.length > 0) {
      throw new AppError(
        AuthProblems.invalidToken,
        `The token header carries ${refused.map((name) => `'${name.slice(0, 32)}'`).join(', ')}; only 'alg' and 'typ' are accepted.`,
      );
    }
    const { typ } = header as { typ?: unknown };
    if (typ !== undefined && (typeof typ !== 'string' || typ.toUpperCase() !== 'JWT')) {
      throw new AppError(AuthProblems.invalidToken, "The token header's 'typ' must be 'JWT'.");
    }
  }

  /** An opaque refresh token: 256 bits from the CSPRNG. */
  newRefreshToken(): string {
    return `rt_${randomBytes(32).toString('base64url')}`;
  }

  /** Refresh tokens are high-entropy, so a fast hash is the right storage. */
  hashRefreshToken(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }
}
