import 'reflect-metadata';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig, ShutdownState } from '@aero/core';
import { createApiApp } from './create-api-app';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const startedAt = Date.now();
  const app = await createApiApp(config);
  const server = (await app.listen(config.http.port, config.http.host)) as Server;
  const logger = new Logger('Api');
  const host = ['0.0.0.0', '::'].includes(config.http.host) ? 'localhost' : config.http.host;
  logger.log(
    { url: `http://${host}:${config.http.port}`, env: config.env, db: config.db.type, docs: config.http.docsEnabled },
    `api started: listening on http://${host}:${config.http.port}${config.http.docsEnabled ? ' (Swagger UI at /docs)' : ''}`,
  );

  // Track the responses in flight, so a drain can mark them `Connection: close` too (one Set entry each).
  const inFlight = new Set<ServerResponse>();
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });

  // A deploy that drops nothing: on SIGTERM/SIGINT readiness turns 503 at once while the instance keeps
  // serving for HTTP_DRAIN_DELAY_MS (the load balancer takes it out of rotation meanwhile); every response
  // from then on carries `Connection: close` and idle keep-alive connections are closed, so clients reconnect
  // through the balancer to another instance. Then it stops accepting, lets in-flight requests finish, runs
  // the shutdown hooks (the usage flush and any dispatcher's in-flight work), closes the database and exits
  // 0; a client that never finishes is cut off after HTTP_SHUTDOWN_GRACE_MS more (exit 1).
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    const { drainDelayMs, shutdownGraceMs: graceMs } = config.http;
    app.get(ShutdownState).begin();
    server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
      res.setHeader('Connection', 'close');
    });
    for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    server.closeIdleConnections();
    logger.log({ signal, drainDelayMs, graceMs }, `${signal}: shutting down: readiness 503, serving on while the load balancer notices`);
    setTimeout(() => {
      logger.warn({ graceMs }, 'grace period over: closing the connections still open');
      server.closeAllConnections();
      process.exit(1);
    }, drainDelayMs + graceMs).unref();
    // Not unref'd: this timer is what keeps the process serving through the drain delay.
    setTimeout(() => {
      // From here on the modules close: a request still arriving is refused (503 service-draining) before any work.
      app.get(ShutdownState).close();
      logger.log({ inFlight: inFlight.size }, 'draining: no new connections, finishing in-flight requests');
      app.close().then(
        () => {
          logger.log({ uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) }, 'api stopped');
          process.exitCode = 0;
          // Leave the event loop a moment to flush the last lines, then go even if a handle lingers.
          setTimeout(() => process.exit(0), 100).unref();
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    }, drainDelayMs);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`API failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
