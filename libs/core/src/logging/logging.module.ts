import type { DynamicModule } from '@nestjs/common';
import { Global, Module } from '@nestjs/common';
import type { Request } from 'express';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
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

/** Where log lines go instead of stdout, when provided (tests capture the output this way). */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');

/** Sends every log line to `stream`; import it beside the API module. Production never does: it logs to stdout. */
@Global()
@Module({})
export class LogDestinationModule {
  static forRoot(stream: DestinationStream): DynamicModule {
    return {
      module: LogDestinationModule,
      providers: [{ provide: LOG_DESTINATION, useValue: stream }],
      exports: [LOG_DESTINATION],
    };
  }
}

/** Structured JSON logs: one line per request with request id, route template, status and latency. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig, { token: LOG_DESTINATION, optional: true }],
      useFactory: (config: AppConfig, destination?: DestinationStream) => {
        const pinoHttp: PinoHttpOptions = {
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
        };
        return { pinoHttp: destination ? [pinoHttp, destination] : pinoHttp };
      },
    }),
  ],
})
export class LoggingModule {}
