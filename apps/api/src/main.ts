import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '@aero/core';
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
  const server = await app.listen(config.http.port, config.http.host);
  const logger = new Logger('Api');
  const host = ['0.0.0.0', '::'].includes(config.http.host) ? 'localhost' : config.http.host;
  logger.log(
    { url: `http://${host}:${config.http.port}`, env: config.env, db: config.db.type, docs: config.http.docsEnabled },
    `api started: listening on http://${host}:${config.http.port}${config.http.docsEnabled ? ' (Swagger UI at /docs)' : ''}`,
  );

  // Drain in-flight requests on shutdown (no new connections, idle keep-alive ones closed), then close
  // the database and exit 0; a client that never finishes is cut off after the grace period (exit 1).
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    const graceMs = config.http.shutdownGraceMs;
    logger.log({ signal, graceMs }, `${signal}: shutting down, draining in-flight requests`);
    setTimeout(() => {
      logger.warn({ graceMs }, 'grace period over: closing the connections still open');
      server.closeAllConnections?.();
      process.exit(1);
    }, graceMs).unref();
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
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`API failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
