import type { INestApplication } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { FastifyInstance } from 'fastify';
import type { AppConfig } from '@aero/core';
import { SharedShapeExpressAdapter } from './express-adapter';
import { createFastifyAdapter } from './fastify-adapter';

/**
 * The one place that knows which HTTP framework runs under Nest (HTTP_ADAPTER). Everything else in the
 * pipeline sees the Express members it was written against; the Fastify adapter supplies them there.
 */
export interface HttpAdapterSeam {
  adapter: AbstractHttpAdapter;
  /** Framework settings applied to the created app. */
  configure(app: INestApplication): void;
}

export function httpAdapterFor(config: AppConfig): HttpAdapterSeam {
  if (config.http.adapter === 'fastify') return { adapter: createFastifyAdapter(config), configure: () => undefined };
  return {
    // Requests and responses built with Express's prototypes: one hidden class for all (see the adapter).
    adapter: new SharedShapeExpressAdapter(),
    configure: (app) => {
      const express = app as NestExpressApplication;
      express.set('trust proxy', config.http.trustProxy);
      express.set('x-powered-by', false);
      // Resources with a version or updatedAt set a weak ETag from it (no hashing); only the rest get a strong
      // ETag hashed from the body. Either way a matching If-None-Match (weak comparison) gets 304. The Fastify
      // adapter does the same.
      express.set('etag', 'strong');
    },
  };
}

/**
 * Waits until an initialised app answers requests without `listen()` (supertest on `getHttpServer()`):
 * Fastify routes requests only once its plugins have loaded; Express at once.
 */
export async function whenServing(app: INestApplication): Promise<void> {
  if (app.getHttpAdapter().getType() === 'fastify') await (app.getHttpAdapter().getInstance() as FastifyInstance).ready();
}
