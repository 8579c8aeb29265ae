import type { ExecutionContext } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ThrottlerModuleOptions } from '@nestjs/throttler';
import { InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { RateLimitCost } from './rate-limit.decorators';
import { RateLimitStorage } from './rate-limit.storage';
import type { RateLimitSubject } from './rate-limit.types';
import { RateLimiterService } from './rate-limiter.service';

type LimitedRequest = Request & { principal?: RateLimitSubject };

/**
 * Station 5, on @nestjs/throttler: registered right after authentication, so `request.principal` decides
 * whose budget is spent. The package's guard asks its storage once per named throttler; this one evaluates
 * every window that applies (burst, minute, a key's monthly quota) in ONE storage call — one Redis round
 * trip — and writes the RateLimit headers. `@SkipThrottle()`/`@SkipRateLimit()` opt a route out.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: RateLimitStorage,
    reflector: Reflector,
    private readonly limiter: RateLimiterService,
  ) {
    super(options, storage, reflector);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http' || !this.limiter.enabled) return true;
    if (await this.shouldSkip(context)) return true;
    const request = context.switchToHttp().getRequest<LimitedRequest>();
    const response = context.switchToHttp().getResponse<Response>();
    const costValue = this.reflector.getAllAndOverride(RateLimitCost, [context.getHandler(), context.getClass()]) ?? 1;
    const cost = Math.max(1, Math.ceil(typeof costValue === 'function' ? costValue(request) : costValue));
    const decision = await this.limiter.check(request.principal, request.ip, cost);
    for (const [name, value] of Object.entries(decision.headers)) response.setHeader(name, value);
    if (decision.error) throw decision.error;
    return true;
  }

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    const skip = this.reflector.getAllAndOverride<boolean | undefined>('THROTTLER:SKIPdefault', [context.getHandler(), context.getClass()]);
    return Promise.resolve(skip === true);
  }
}
