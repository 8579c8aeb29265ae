import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger as PinoLogger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { AppConfig } from '@aero/core';
import { answerClientErrors, LogDestinationModule, NestLogBridge } from '@aero/core';
import { ApiModule } from './api.module';
import { SharedShapeExpressAdapter } from './express-adapter';
import { buildOpenApiDocument } from './openapi';

export interface CreateApiAppOptions {
  /** Keep Nest's own logger quiet (tests, document export). */
  quiet?: boolean;
  /** Write log lines here instead of stdout (tests that read the logs). */
  logStream?: DestinationStream;
}

/** Builds the configured, not yet listening, API application. Shared by main, tests and the CLI. */
export async function createApiApp(
  config: AppConfig,
  options: CreateApiAppOptions = {},
): Promise<INestApplication> {
  const root = ApiModule.forRoot(config);
  if (options.logStream) root.imports = [...(root.imports ?? []), LogDestinationModule.forRoot(options.logStream)];
  // Requests and responses built with Express's prototypes: one hidden class for all (see the adapter).
  const app = await NestFactory.create<NestExpressApplication>(root, new SharedShapeExpressAdapter(), {
    bodyParser: false, // parsed by BodyParsingMiddleware, inside the pipeline, so its errors are problems
    bufferLogs: !options.quiet,
    logger: options.quiet ? false : undefined,
    abortOnError: false,
  });
  if (!options.quiet) app.useLogger(new NestLogBridge(app.get(PinoLogger)));
  limitSockets(app.getHttpServer() as Server, config);
  answerClientErrors(app.getHttpServer() as Server);
  app.set('trust proxy', config.http.trustProxy);
  app.set('x-powered-by', false);
  // Resources with a version or updatedAt set a weak ETag from it (no hashing); only the rest get a strong
  // ETag hashed from the body. Either way Express answers a matching If-None-Match (weak comparison) with 304.
  app.set('etag', 'strong');
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
