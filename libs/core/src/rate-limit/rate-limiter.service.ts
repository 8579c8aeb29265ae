import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { RateLimitProblems } from './rate-limit.errors';
import { nearestExhaustion, rateLimitHeaders, remainingOf, resetSecondsOf, windowSeconds } from './rate-limit.headers';
import type { Tracker } from './rate-limit.policies';
import { authFailureWindow, POLICY_QUOTA, trackerFor, trackerKeyPrefix, windowsFor } from './rate-limit.policies';
import { RateLimitStorage } from './rate-limit.storage';
import type { ConsumeResult, RateLimitSubject, WindowRequest, WindowState } from './rate-limit.types';

/** A decision with what the response must say about it. */
export interface RateLimitDecision {
  allowed: boolean;
  tracker: Tracker;
  headers: Record<string, string>;
  /** Set when refused: the 429 to throw. */
  error?: AppError;
}

/** Whether the window had no room for this request (and so refused it). */
export function isRefused(state: WindowState): boolean {
  return state.request.cost > 0 && state.count + state.request.cost > state.request.limit;
}

/**
 * The rules of traffic control, over the shared storage: who is counted, which windows apply, what the
 * headers say and what a refusal looks like. Used by the guard for every limited request, by the
 * authentication failure path and by the CLI.
 */
@Injectable()
export class RateLimiterService {
  constructor(
    private readonly config: AppConfig,
    readonly storage: RateLimitStorage,
  ) {}

  get enabled(): boolean {
    return this.config.rateLimit.enabled;
  }

  /** One request of `subject` (or, without one, of `clientIp`), costing `cost`: one storage call. */
  async check(subject: RateLimitSubject | undefined, clientIp: string | undefined, cost = 1, now = Date.now()): Promise<RateLimitDecision> {
    const tracker = trackerFor(subject, clientIp);
    const windows = windowsFor(this.config.rateLimit, tracker, subject, cost, now);
    // A cost no window can ever hold is answered now: a 429 with a Retry-After would never clear.
    const tooBig = windows.find((window) => window.policy !== POLICY_QUOTA && window.cost > window.limit);
    if (tooBig) return this.costExceedsLimit(tracker, windows, tooBig);
    const result = await this.storage.consume(windows, now);
    return this.decide(tracker, result);
  }

  private costExceedsLimit(tracker: Tracker, windows: WindowRequest[], tooBig: WindowRequest): RateLimitDecision {
    const maximumCost = Math.min(...windows.filter((window) => window.policy !== POLICY_QUOTA && window.cost > 0).map((window) => window.limit));
    const seconds = tooBig.policyWindowSeconds ?? Math.round(tooBig.windowMs / 1000);
    const error = new AppError(
      RateLimitProblems.costExceedsLimit,
      `This request costs ${tooBig.cost} rate-limit units but the "${tooBig.policy}" limit is ${tooBig.limit} per ${seconds} s, ` +
        `so it can never be served; ask for a shorter range or a smaller page (at most ${maximumCost} units per request).`,
      { policy: tooBig.policy, limit: tooBig.limit, windowSeconds: seconds, cost: tooBig.cost, maximumCost },
    );
    return { allowed: false, tracker, headers: {}, error };
  }

  /** A failed credential from `clientIp`: counted under the strict per-IP policy; refused once it is spent. */
  async authenticationFailed(clientIp: string | undefined, now = Date.now()): Promise<RateLimitDecision> {
    const tracker = { ...trackerFor(undefined, clientIp), tier: 'auth-failures' };
    const result = await this.storage.consume([authFailureWindow(this.config.rateLimit, clientIp)], now);
    return this.decide(tracker, result);
  }

  /**
   * Called by the authentication guard when credentials fail: a 401 spends the client IP's strict
   * `auth-failures` budget (headers say so); once it is spent the answer becomes this 429 instead.
   */
  async onAuthenticationFailure(request: Request, response: Response, error: unknown): Promise<void> {
    if (!this.enabled || !(error instanceof AppError) || error.status !== 401) return;
    const decision = await this.authenticationFailed(request.ip);
    if (decision.error) throw decision.error;
    for (const [name, value] of Object.entries(decision.headers)) response.setHeader(name, value);
  }

  /** A failed credential outside the guard (an unknown refresh token): spends the same per-IP budget. */
  async countFailedCredential(clientIp: string | undefined): Promise<void> {
    if (!this.enabled) return;
    const decision = await this.authenticationFailed(clientIp);
    if (decision.error) throw decision.error;
  }

  /** Current counters of a tracker without spending anything (CLI status). */
  async peek(subject: RateLimitSubject | undefined, clientIp?: string, now = Date.now()): Promise<{ tracker: Tracker; windows: WindowState[] }> {
    const tracker = trackerFor(subject, clientIp);
    const windows: WindowRequest[] = windowsFor(this.config.rateLimit, tracker, subject, 0, now);
    if (!subject) windows.push(authFailureWindow(this.config.rateLimit, clientIp, 0));
    // Operators' reads are not on a request's path: they may wait for a slow Redis.
    const result = await this.storage.consume(windows, now, 5000);
    return { tracker, windows: result.windows };
  }

  /** Forgets every counter of a tracker id (`key:<id>`, `user:<id>`, `ip:<address>`). */
  reset(trackerId: string): Promise<number> {
    return this.storage.reset(trackerKeyPrefix(trackerId));
  }

  private decide(tracker: Tracker, result: ConsumeResult): RateLimitDecision {
    const nearest = nearestExhaustion(result.windows, isRefused);
    const headers = rateLimitHeaders(result.windows, nearest);
    if (result.allowed) return { allowed: true, tracker, headers };
    const refused = result.windows.filter(isRefused);
    // Every refused window must reset before the request can pass.
    const retryAfter = Math.max(...refused.map(resetSecondsOf));
    const quota = refused.find((state) => state.request.policy === POLICY_QUOTA);
    const named = quota ?? nearest;
    headers['Retry-After'] = String(retryAfter);
    const extensions = {
      policy: named.request.policy,
      limit: named.request.limit,
      windowSeconds: windowSeconds(named),
      remaining: remainingOf(named),
      retryAfterSeconds: retryAfter,
    };
    const error = quota
      ? new AppError(
          RateLimitProblems.quotaExceeded,
          `This API key has used its monthly quota of ${quota.request.limit} requests; it resets in ${retryAfter} seconds.`,
          extensions,
          headers,
        )
      : new AppError(
          RateLimitProblems.rateLimited,
          `Rate limit "${named.request.policy}" (${named.request.limit} per ${windowSeconds(named)} s) exceeded; retry in ${retryAfter} seconds.`,
          extensions,
          headers,
        );
    return { allowed: false, tracker, headers, error };
  }
}
