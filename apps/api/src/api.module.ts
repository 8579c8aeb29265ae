import type { DynamicModule, MiddlewareConsumer, NestModule } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import cors from 'cors';
import helmet from 'helmet';
import {
  AppConfig,
  BodyParsingMiddleware,
  ConfigModule,
  createValidationPipe,
  DatabaseModule,
  LoggingModule,
  MetricsMiddleware,
  PlatformModule,
  ProblemDetailsFilter,
  RequestIdMiddleware,
  RequestTimeoutMiddleware,
} from '@aero/core';

/**
 * The HTTP API. Every request passes these stations, in this order (ARCHITECTURE.md, "The request
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
        PlatformModule, // /health, /metrics, /problems
      ],
      providers: [
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
        // 1. request id: keep a sane X-Request-Id or make one; echo it
        RequestIdMiddleware,
        // metrics: time every request by method, route template and status
        MetricsMiddleware,
        // 2. transport hygiene: security headers, CORS allowlist, timeout, JSON-only bodies within the limit
        helmet(),
        cors({ origin: corsOrigins.length > 0 ? corsOrigins : false, exposedHeaders: ['X-Request-Id'] }),
        RequestTimeoutMiddleware,
        BodyParsingMiddleware,
      )
      .forRoutes('*path');
  }
}
