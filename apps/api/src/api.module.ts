import type { DynamicModule, MiddlewareConsumer, NestModule } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import cors from 'cors';
import helmet from 'helmet';
import {
  AppConfig,
  BodyParsingMiddleware,
  ConfigModule,
  createValidationPipe,
  DatabaseModule,
  DrainingMiddleware,
  IdempotencyModule,
  LoggingModule,
  MetricsMiddleware,
  NoStoreMiddleware,
  PlatformModule,
  ProblemDetailsFilter,
  QueryEncodingMiddleware,
  RATE_LIMIT_HEADER_NAMES,
  RateLimitGuard,
  RateLimitModule,
  RequestIdMiddleware,
  RequestLogMiddleware,
  RequestTimeoutMiddleware,
  SharedStateModule,
} from '@aero/core';
import { ApiKeysModule } from '@aero/api-keys';
import { AuthenticationGuard, AuthModule } from '@aero/auth';
import { BookingsModule } from '@aero/bookings';
import { EventsApiModule, WebhooksModule } from '@aero/events';
import { MembersModule } from '@aero/members';
import { UsageMiddleware, UsageModule } from '@aero/usage';

/**
 * The HTTP API. Every request passes these stations, in this order (docs/architecture.md, "The request
 * pipeline"); each is registered here and nowhere else.
 */
@Module({})
export class ApiModule implements NestModule {
  constructor(private readonly config: AppConfig) {}

  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule, // structured request logs (pino), credentials redacted
        DatabaseModule,
        SharedStateModule, // Redis pub/sub between instances when REDIS_URL is set
        PlatformModule, // /health, /metrics, /problems
        RateLimitModule, // traffic control: @nestjs/throttler on shared counters (Redis when REDIS_URL is set)
        IdempotencyModule, // 8. Idempotency-Key on write routes (@Idempotent()), stored with the business change; scheduled purge
        AuthModule, // users, sessions, /v1/auth, /v1/users
        ApiKeysModule, // /v1/api-keys and the API-key verifier used by the guard
        MembersModule, // /v1/members: profiles, dependants, waivers, membership
        EventsApiModule, // the events outbox every write joins; /v1/events; its retention purge
        WebhooksModule, // /v1/webhook-endpoints; the dispatcher that claims, signs and sends deliveries
        BookingsModule, // /v1/venues, /v1/sessions, /v1/holds, /v1/bookings; the hold sweeper
        UsageModule, // /v1/usage, the usage recorder and its roll-up/anomaly/retention job
      ],
      providers: [
        // 3–4. authentication + authorization: bearer JWT or X-API-Key → request.principal; deny by default, @Public() opts out, @Authenticated() roles/scopes
        { provide: APP_GUARD, useClass: AuthenticationGuard },
        // 5. rate limiting: API key, else user, else client IP; burst + minute + monthly quota in one storage call; RateLimit headers
        { provide: APP_GUARD, useClass: RateLimitGuard },
        // 6. validation: unknown fields rejected, types transformed, every bad field listed
        { provide: APP_PIPE, useFactory: createValidationPipe },
        // 10. errors: everything leaves as RFC 9457 application/problem+json
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    const { corsOrigins } = this.config.http;
    consumer
      .apply(
        // 0. request log: one child logger per request (its requestId on every line), one line when it ends
        RequestLogMiddleware,
        // 1. request id: keep a sane X-Request-Id or make one; echo it
        RequestIdMiddleware,
        // draining: once the drain delay is over, 503 service-draining (Connection: close) before any work
        DrainingMiddleware,
        // metrics: time every request by method, route template and status
        MetricsMiddleware,
        // usage: every request (401s and 429s too) into the in-memory usage buffer when it finishes
        UsageMiddleware,
        // 2. transport hygiene: security headers, CORS allowlist, timeout, JSON-only bodies within the limit
        helmet(),
        cors({ origin: corsOrigins.length > 0 ? corsOrigins : false, exposedHeaders: ['X-Request-Id', ...RATE_LIMIT_HEADER_NAMES] }),
        // Cache-Control: no-store unless a route sets its own (tokens and personal data never cached)
        NoStoreMiddleware,
        // query strings and bodies are what the client sent: broken percent-encoding or UTF-8 is a 400, never U+FFFD
        QueryEncodingMiddleware,
        // the body, within HTTP_BODY_READ_TIMEOUT_MS of the headers (408 and close after that)
        BodyParsingMiddleware,
        // the handler's deadline (503) starts once the body is in, so a slow client is never our timeout
        RequestTimeoutMiddleware,
      )
      .forRoutes('*path');
  }
}
