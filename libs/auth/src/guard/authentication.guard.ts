import type { CanActivate, ExecutionContext, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { Authenticator } from 'passport';
import type { Strategy } from 'passport';
import { AppError, CoreProblems, Public, RateLimiterService } from '@aero/core';
import { AuthProblems } from '../auth.errors';
import { AuthRequirementsMetadata } from '../authenticated.decorator';
import type { Principal } from '../principal';
import { SessionRevocations } from '../sessions/session-revocations';
import { JwtStrategy } from '../strategies/jwt.strategy';
import { API_KEY_STRATEGY, API_KEY_STRATEGY_PROVIDER, JWT_STRATEGY } from '../strategies/strategy-names';
import { authorize } from './authorization';

type AuthenticatedRequest = Request & { principal?: Principal };

const NO_SESSION = { session: false } as const;

/**
 * The one global guard (stations 3 and 4). Deny by default: unless a route is `@Public()`, the caller
 * must present exactly one credential — a bearer access token or an `X-API-Key`. The guard picks the
 * passport strategy for it (`jwt`, `api-key`), whose only job is to turn the credential into a Principal
 * (`request.principal`); then it checks the route's `@Authenticated` requirements (see `authorize`).
 * Public routes ignore credentials entirely. A further credential (say OIDC) is one more strategy here.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate, OnApplicationBootstrap, OnApplicationShutdown {
  /** This app's own passport instance: strategies of another app in the same process never answer here. */
  private readonly passport = new Authenticator();
  private readonly acceptsApiKeys: boolean;

  constructor(
    private readonly reflector: Reflector,
    private readonly revocations: SessionRevocations,
    jwt: JwtStrategy,
    @Optional() @Inject(API_KEY_STRATEGY_PROVIDER) apiKey?: Strategy,
    @Optional() private readonly rateLimits?: RateLimiterService,
  ) {
    this.passport.use(JWT_STRATEGY, jwt);
    if (apiKey) this.passport.use(API_KEY_STRATEGY, apiKey);
    this.acceptsApiKeys = apiKey !== undefined;
  }

  /** Where requests are authenticated, the list of ended sessions is loaded and kept current. */
  onApplicationBootstrap(): Promise<void> {
    return this.revocations.start();
  }

  onApplicationShutdown(): void {
    this.revocations.stop();
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride(Public, targets)) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    let principal: Principal;
    try {
      principal = await this.authenticate(request, http.getResponse<Response>());
    } catch (error) {
      // Failed credentials spend the client IP's strict budget, so guessing keys or tokens is limited too.
      await this.rateLimits?.onAuthenticationFailure(request, http.getResponse<Response>(), error);
      throw error;
    }
    request.principal = principal;
    authorize(principal, this.reflector.getAllAndOverride(AuthRequirementsMetadata, targets));
    return true;
  }

  /** Station 3: exactly one credential → its strategy → one Principal, or a 400/401 problem. */
  authenticate(request: Request, response: Response): Promise<Principal> {
    return this.run(this.strategyFor(request), request, response);
  }

  private strategyFor(request: Request): string {
    const { authorization } = request.headers;
    const apiKey = request.headers['x-api-key'];
    if (authorization !== undefined && apiKey !== undefined) {
      // Shaped like a validation problem (the 400 every route documents), naming the conflicting header.
      throw new AppError(AuthProblems.ambiguousCredentials, 'Send either Authorization or X-API-Key, not both.', {
        errors: [{ field: 'X-API-Key', message: 'must not be sent together with Authorization' }],
      });
    }
    if (apiKey !== undefined) {
      if (!this.acceptsApiKeys) throw new AppError(CoreProblems.unauthenticated, 'API keys are not accepted by this server.');
      return API_KEY_STRATEGY;
    }
    if (authorization === undefined) {
      throw new AppError(CoreProblems.unauthenticated, 'Send Authorization: Bearer <token> or X-API-Key.');
    }
    return JWT_STRATEGY;
  }

  /** Runs one strategy through passport; its problem (AppError) is rethrown as is. */
  private run(strategy: string, request: Request, response: Response): Promise<Principal> {
    return new Promise((resolve, reject) => {
      const done = (error: unknown, principal?: Principal | false): void => {
        if (error) reject(error);
        else if (principal) resolve(principal);
        else reject(new AppError(CoreProblems.unauthenticated));
      };
      this.passport.authenticate(strategy, NO_SESSION, done)(request, response, reject);
    });
  }
}
