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
  const app = await createApiApp(config);
  const server = await app.listen(config.http.port, config.http.host);
  const host = ['0.0.0.0', '::'].includes(config.http.host) ? 'localhost' : config.http.host;
  new Logger('Api').log(
    `listening on http://${host}:${config.http.port}${config.http.docsEnabled ? ` (Swagger UI at /docs)` : ''}`,
  );
  // Drain in-flight requests on shutdown, but never hang past the grace period.
  const forceAfter = config.http.shutdownGraceMs;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        server.closeAllConnections?.();
        process.exit(1);
      }, forceAfter).unref();
    });
  }
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`API failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
