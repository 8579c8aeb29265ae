import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AppError, CoreProblems, Public, RateLimiterService } from '@aero/core';
import { AuthProblems } from '../auth.errors';
import { AuthRequirementsMetadata } from '../authenticated.decorator';
import type { Principal } from '../principal';
import { SessionRevocations } from '../sessions/session-revocations';
import { TokenService } from '../tokens/token.service';
import type { ApiKeyVerifier } from './api-key-verifier';
import { API_KEY_VERIFIER } from './api-key-verifier';
import { authorize } from './authorization';

type AuthenticatedRequest = Request & { principal?: Principal };

const BEARER = /^Bearer ([A-Za-z0-9_\-.~+/]+=*)$/i;

/**
 * The one global guard (stations 3 and 4). Deny by default: unless a route is `@Public()`, the caller
 * must present exactly one credential — a bearer access token or an `X-API-Key` — which becomes
 * `request.principal`; then the route's `@Authenticated` requirements are checked (see `authorize`).
 * Public routes ignore credentials entirely.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly revocations: SessionRevocations,
    @Optional() @Inject(API_KEY_VERIFIER) private readonly apiKeys?: ApiKeyVerifier,
    @Optional() private readonly rateLimits?: RateLimiterService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride(Public, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    let principal: Principal;
    try {
      principal = await this.authenticate(request);
    } catch (error) {
      // Failed credentials spend the client IP's strict budget, so guessing keys or tokens is limited too.
      await this.rateLimits?.onAuthenticationFailure(request, context.switchToHttp().getResponse<Response>(), error);
      throw error;
    }
    request.principal = principal;
    authorize(principal, this.reflector.getAllAndOverride(AuthRequirementsMetadata, targets));
    return true;
  }

  /** Station 3: exactly one credential → one Principal, or a 400/401 problem. */
  async authenticate(request: Request): Promise<Principal> {
    const authorization = request.headers.authorization;
    const apiKey = request.headers['x-api-key'];
    if (authorization !== undefined && apiKey !== undefined) {
      // Shaped like a validation problem (the 400 every route documents), naming the conflicting header.
      throw new AppError(AuthProblems.ambiguousCredentials, 'Send either Authorization or X-API-Key, not both.', {
        errors: [{ field: 'X-API-Key', message: 'must not be sent together with Authorization' }],
      });
    }
    if (apiKey !== undefined) {
      if (!this.apiKeys) throw new AppError(CoreProblems.unauthenticated, 'API keys are not accepted by this server.');
      return this.apiKeys.verify(Array.isArray(apiKey) ? apiKey.join(',') : apiKey);
    }
    if (authorization === undefined) {
      throw new AppError(CoreProblems.unauthenticated, 'Send Authorization: Bearer <token> or X-API-Key.');
    }
    const match = BEARER.exec(authorization);
    if (!match) throw new AppError(AuthProblems.invalidToken, 'The Authorization header must be "Bearer <token>".');
    return this.userPrincipal(match[1]);
  }

  private userPrincipal(token: string): Principal {
    const claims = this.tokens.verifyAccessToken(token);
    if (this.revocations.isEnded(claims.sid)) throw new AppError(AuthProblems.sessionEnded);
    const principal: Principal = { kind: 'user', id: claims.sub, roles: claims.roles, scopes: [], email: claims.email };
    if (claims.mid) principal.memberId = claims.mid;
    if (claims.vids) principal.venueIds = claims.vids;
    return principal;
  }
}
