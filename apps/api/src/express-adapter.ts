import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Application } from 'express';

/** Express's per-app prototypes of requests and responses (not in its type declarations). */
type WithPrototypes = Application & { request: object; response: object };

/**
 * Express gives each request its API (`req.ip`, `res.json`, …) with `Object.setPrototypeOf(req,
 * app.request)` and the same for the response. V8 answers a changed prototype with a hidden class of that
 * object's own: every property added afterwards (Express, Nest, pino-http and the pipeline add a dozen to
 * each) copies a new map and descriptor array, which V8 allocates in the old generation. Under load that
 * was 12–16 kB of old-generation garbage per request, only freed by full collections, and the heap grew
 * by 100 MB between them.
 *
 * This adapter's server constructs requests and responses whose prototype already is `app.request` and
 * `app.response`, so Express's `setPrototypeOf` changes nothing and every request shares one chain of
 * hidden classes. HTTPS and `forceCloseConnections` (neither used by the API) keep Nest's own server.
 */
export class SharedShapeExpressAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    if (options?.httpsOptions || options?.forceCloseConnections) {
      super.initHttpServer(options);
      return;
    }
    const app = this.getInstance<WithPrototypes>();
    class ApiRequest extends IncomingMessage {}
    class ApiResponse extends ServerResponse {}
    adopt(ApiRequest.prototype, app.request);
    adopt(ApiResponse.prototype, app.response);
    app.request = ApiRequest.prototype;
    app.response = ApiResponse.prototype;
    this.httpServer = createServer({ IncomingMessage: ApiRequest, ServerResponse: ApiResponse }, app);
  }
}

/** Makes `target` stand in for `source`: the same prototype and the same own properties (`app`). */
function adopt(target: object, source: object): void {
  Object.setPrototypeOf(target, Object.getPrototypeOf(source) as object);
  Object.defineProperties(target, Object.getOwnPropertyDescriptors(source));
}
