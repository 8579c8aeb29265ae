import type { DynamicModule } from '@nestjs/common';
import { Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Params } from 'nestjs-pino';
import { pino } from 'pino';
import type { DestinationStream, LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';
import { AppConfig } from '../config/app-config';
import { serializeError } from './log-safety';

/**
 * Paths pino must never print, should any log call pass a request, headers or a body: credentials travel
 * in these. Request lines carry none of them (see `requestLine`); tests assert that a login and an API-key
 * request leave no secret in the log output.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["x-device-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.refreshToken',
  '*.accessToken',
  '*.deviceToken',
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

/**
 * The log stream: pino's own JSON, synchronous to stdout by default (no buffer to grow under load; a slow
 * reader slows the writer instead), or pino-pretty's coloured single lines for people, written to the
 * same place.
 */
function streamFor(format: 'pretty' | 'json', destination?: DestinationStream): DestinationStream | undefined {
  if (format === 'json') return destination;
  return pinoPretty({
    destination: (destination as NodeJS.WritableStream | undefined) ?? 1,
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
}

/**
 * Structured logs: JSON (production) or pretty (development). One pino logger for the process; the request
 * log (one lean line per request with its request id, method, URL with credentials in the query redacted,
 * route template, status and latency) is `RequestLogMiddleware`, registered first in the API's pipeline.
 * nestjs-pino only carries the request's logger to `Logger`/`PinoLogger` calls (`useExisting`), so it mounts
 * no middleware of its own.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig, { token: LOG_DESTINATION, optional: true }],
      useFactory: (config: AppConfig, destination?: DestinationStream): Params => {
        const options: LoggerOptions = {
          level: config.logLevel,
          redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
          serializers: { err: serializeError },
        };
        const stream = streamFor(config.logFormat, destination);
        const logger = stream ? pino(options, stream) : pino(options);
        return { pinoHttp: { logger }, useExisting: true, forRoutes: [] };
      },
    }),
  ],
})
export class LoggingModule {}
