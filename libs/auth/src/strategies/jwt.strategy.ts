import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import type { PassportStatic } from 'passport';
import { Strategy } from 'passport-custom';
import { AppConfig, AppError } from '@aero/core';
import { AuthProblems } from '../auth.errors';
import type { Principal } from '../principal';
import { SessionRevocations } from '../sessions/session-revocations';
import { TokenService } from '../tokens/token.service';
import { VerifiedTokenCache } from '../tokens/verified-token-cache';
import { JWT_STRATEGY, UNSHARED_REGISTRY } from './strategy-names';

const BEARER = /^Bearer ([A-Za-z0-9_\-.~+/]+=*)$/i;

/**
 * `Authorization: Bearer <access token>` → the user's Principal, from the token's claims alone: signature,
 * algorithm, issuer, audience, expiry and type checked with the pre-imported key (TokenService), then
 * the in-memory list of ended sessions. No database query. Throws the auth problem types. A token verified
 * before is taken from the bounded cache of verified tokens until its expiry; the ended-sessions check runs
 * on every request either way, so a revocation is honoured exactly as without the cache.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  private readonly verified: VerifiedTokenCache;

  constructor(
    private readonly tokens: TokenService,
    private readonly revocations: SessionRevocations,
    config: AppConfig,
  ) {
    super();
    this.verified = new VerifiedTokenCache(config.jwt.verifiedCacheSize);
  }

  getPassportInstance(): PassportStatic {
    return UNSHARED_REGISTRY;
  }

  validate(request: Request): Principal {
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match) throw new AppError(AuthProblems.invalidToken, 'The Authorization header must be "Bearer <token>".');
    const token = match[1];
    let claims = this.verified.get(token);
    if (claims === undefined) {
      claims = this.tokens.verifyAccessToken(token);
      this.verified.remember(token, claims);
    }
    if (this.revocations.isEnded(claims.sid)) throw new AppError(AuthProblems.sessionEnded);
    const principal: Principal = { kind: 'user', id: claims.sub, roles: claims.roles, scopes: [], email: claims.email };
    if (claims.mid) principal.memberId = claims.mid;
    if (claims.vids) principal.venueIds = claims.vids;
    return principal;
  }
}
