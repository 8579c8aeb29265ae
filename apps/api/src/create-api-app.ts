import type { INestApplication } from '@nestjs/common';
import { VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger as PinoLogger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { AppConfig } from '@aero/core';
import { LogDestinationModule } from '@aero/core';
import { ApiModule } from './api.module';
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
  const app = await NestFactory.create<NestExpressApplication>(root, {
    bodyParser: false, // parsed by BodyParsingMiddleware, inside the pipeline, so its errors are problems
    bufferLogs: !options.quiet,
    logger: options.quiet ? false : undefined,
    abortOnError: false,
  });
  if (!options.quiet) app.useLogger(app.get(PinoLogger));
  app.set('trust proxy', config.http.trustProxy);
  app.set('x-powered-by', false);
  // A strong ETag (hash of the body) on every JSON response that has none of its own (members send their
  // version); Express answers a matching If-None-Match on GET/HEAD with 304.
  app.set('etag', 'strong');
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
  app.enableShutdownHooks();
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
