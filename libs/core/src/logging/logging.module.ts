import { Module } from '@nestjs/common';
import type { Request } from 'express';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { ensureRequestId } from '../http/request-id';
import { routeTemplate } from '../http/route-template';

/**
 * Paths pino must never print. Credentials travel in these headers and body fields; tests assert that a
 * login and an API-key request leave no secret in the log output.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.refreshToken',
  '*.accessToken',
  '*.key',
];

/** Structured JSON logs: one line per request with request id, route template, status and latency. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.logLevel,
          genReqId: (req, res) => ensureRequestId(req, res),
          redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
          customProps: (req) => ({ route: routeTemplate(req as Request) }),
          customLogLevel: (_req, res, error) =>
            error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
          serializers: {
            req: (req: { id: unknown; method: unknown; url: unknown; headers: Record<string, unknown> }) => ({
              id: req.id,
              method: req.method,
              url: req.url,
              headers: req.headers,
            }),
          },
          // Probes and scrapes would drown the signal.
          autoLogging: { ignore: (req) => /^\/(health|metrics)(\/|$)/.test(req.url ?? '') },
          quietReqLogger: true,
        },
      }),
    }),
  ],
})
export class LoggingModule {}
