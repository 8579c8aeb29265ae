import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger as PinoLogger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { AppConfig } from '@aero/core';
import { answerClientErrors, LogDestinationModule, NestLogBridge } from '@aero/core';
import { ApiModule } from './api.module';
import { httpAdapterFor } from './http-adapter';
import { buildOpenApiDocument } from './openapi';

export interface CreateApiAppOptions {
  /** Keep Nest's own logger quiet (tests, document export). */
  quiet?: boolean;
  /** Write log lines here instead of stdout (tests that read the logs). */
  logStream?: DestinationStream;
}

export { whenServing } from './http-adapter';

/** Builds the configured, not yet listening, API application. Shared by main, tests and the CLI. */
export async function createApiApp(
  config: AppConfig,
  options: CreateApiAppOptions = {},
): Promise<INestApplication> {
  const root = ApiModule.forRoot(config);
  if (options.logStream) root.imports = [...(root.imports ?? []), LogDestinationModule.forRoot(options.logStream)];
  const http = httpAdapterFor(config);
  const app = await NestFactory.create(root, http.adapter, {
    bodyParser: false, // parsed by BodyParsingMiddleware, inside the pipeline, so its errors are problems
    bufferLogs: !options.quiet,
    logger: options.quiet ? false : undefined,
    abortOnError: false,
  });
  if (!options.quiet) app.useLogger(new NestLogBridge(app.get(PinoLogger)));
  limitSockets(app.getHttpServer() as Server, config);
  answerClientErrors(app.getHttpServer() as Server);
  http.configure(app);
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
  // No enableShutdownHooks(): main.ts handles SIGTERM/SIGINT itself (drain, log, exit 0).
  if (config.http.docsEnabled) {
    // Swagger's routes are mounted before the Nest middleware pipeline, so they get helmet's headers
    // (CSP included; Swagger UI loads only same-origin scripts) here, ahead of them.
    app.use(['/docs', '/docs-json', '/docs-yaml'], helmet());
    SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
      jsonDocumentUrl: 'docs-json',
      yamlDocumentUrl: 'docs-yaml',
      customSiteTitle: 'AeroSports Core API',
      swaggerOptions: { persistAuthorization: true, displayRequestDuration: true },
    });
  }
  for (const warning of config.warnings) app.get(PinoLogger).warn(warning);
  return app;
}

/**
 * Socket limits, so a slow or idle client cannot hold a socket (Node's defaults allow a minute for
 * headers, five for a request, and check only every 30 s) and a flood of connections cannot exhaust
 * file descriptors.
 */
function limitSockets(server: Server, config: AppConfig): void {
  const { headersTimeoutMs, receiveTimeoutMs, keepAliveTimeoutMs, maxConnections } = config.http;
  server.headersTimeout = headersTimeoutMs;
  server.requestTimeout = receiveTimeoutMs;
  server.keepAliveTimeout = keepAliveTimeoutMs;
  server.maxConnections = maxConnections;
  // How often Node checks the two timeouts above; read when the server starts listening.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(
    1000,
    Math.max(100, Math.floor(headersTimeoutMs / 4)),
  );
}
