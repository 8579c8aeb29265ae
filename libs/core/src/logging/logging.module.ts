import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DynamicModule } from '@nestjs/common';
import { Global, Module } from '@nestjs/common';
import type { Request } from 'express';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import pinoPretty from 'pino-pretty';
import { AppConfig } from '../config/app-config';
import { failureOf } from '../errors/failure-cause';
import { ensureRequestId } from '../http/request-id';
import { routeTemplate } from '../http/route-template';
import { redactUrl, serializeError } from './log-safety';

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

/** Probes and scrapes would drown the signal (and cost a line each at the probe's rate). */
const UNLOGGED = /^\/(health|metrics)(\/|\?|$)/;

/**
 * The fields of the one line written when a request ends: who asked what, which route answered, how,
 * and how fast. No headers (each request's would add about a kilobyte), no bodies.
 */
function requestLine(req: IncomingMessage, res: ServerResponse, responseTime: unknown): Record<string, unknown> {
  return {
    method: req.method,
    url: redactUrl((req as Request).originalUrl ?? req.url),
    route: routeTemplate(req as Request),
    statusCode: res.statusCode,
    responseTime,
  };
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
 * Structured logs: JSON (production) or pretty (development); one lean line per request with its request
 * id, method, URL (credentials in the query redacted), route template, status and latency.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig, { token: LOG_DESTINATION, optional: true }],
      useFactory: (config: AppConfig, destination?: DestinationStream) => {
        const pinoHttp: PinoHttpOptions = {
          level: config.logLevel,
          genReqId: (req, res) => ensureRequestId(req, res),
          // Every line written while handling a request carries `requestId`, as every problem body does.
          customAttributeKeys: { reqId: 'requestId' },
          redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
          customLogLevel: (_req, res, error) =>
            error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
          // Only the request id is bound to the request's logger; the closing line adds its own few fields.
          quietReqLogger: true,
          quietResLogger: true,
          customSuccessObject: (req, res, val: { responseTime: unknown }) =>
            requestLine(req, res, val.responseTime),
          // A 5xx line says why (FailureCause: dependency, error class, driver code, breaker state); pino-http's
          // own `err` for it is a placeholder ("failed with status code 503", or a plain object).
          customErrorObject: (req, res, error, val: { responseTime: unknown }) => {
            const cause = failureOf(res);
            const line: Record<string, unknown> = requestLine(req, res, val.responseTime);
            if (cause) line.cause = cause;
            else if (error instanceof Error && !/^failed with status code \d+$/.test(error.message)) line.err = error;
            return line;
          },
          customSuccessMessage: () => 'request completed',
          customErrorMessage: () => 'request failed',
          serializers: { err: serializeError },
          autoLogging: { ignore: (req) => UNLOGGED.test(req.url ?? '') },
        };
        const stream = streamFor(config.logFormat, destination);
        return { pinoHttp: stream ? [pinoHttp, stream] : pinoHttp };
      },
    }),
  ],
})
export class LoggingModule {}
