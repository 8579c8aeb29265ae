import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import type { IncomingHttpHeaders, RequestListener } from 'node:http';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { BadRequestException, NotFoundException } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, RawServerDefault } from 'fastify';
import type { AppConfig } from '@aero/core';
import { chooseRequestId, REQUEST_ID_HEADER, writeProblem } from '@aero/core';

/**
 * The API's pipeline (middleware, guards, interceptors, the problem filter) was written against Express's
 * request and response. On Fastify, Nest middleware receives Node's own `req`/`res` (through middie) and
 * guards, interceptors and filters receive Fastify's `request`/`reply`. This adapter gives both the few
 * Express members the pipeline uses, with Express's behaviour, so the pipeline runs unchanged:
 *
 * - the body is read by the pipeline's own parsing middleware (size, depth, UTF-8, charset, read timeout),
 *   never by Fastify: one catch-all content-type parser hands Fastify what the middleware parsed;
 * - the request id is Fastify's request id (a sane inbound `X-Request-Id` or a UUID), echoed from the start;
 * - a strong ETag on every body without one, and 304 for a fresh GET/HEAD, as Express's `etag: 'strong'`;
 * - routes match as Express matches them (case-insensitive, trailing slash ignored);
 * - Node's parser errors are answered by the API's own handler (`answerClientErrors`), not Fastify's.
 */
export function createFastifyAdapter(config: AppConfig): FastifyAdapter {
  const adapter = new StaticAssetsFastifyAdapter({
    trustProxy: config.http.trustProxy,
    genReqId: (req: IncomingMessage) => chooseRequestId(req),
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 2048 },
    clientErrorHandler: () => undefined,
    frameworkErrors: answerRouterError,
    // A request reaching a closing instance gets the API's own 503 service-draining (DrainingMiddleware), as on
    // Express, not Fastify's bare 503 without Retry-After or request id.
    return503OnClosing: false,
    serverFactory: (handler: RequestListener) =>
      createServer({ IncomingMessage: ApiRequest, ServerResponse: ApiResponse }, handler as RequestListener<typeof ApiRequest, typeof ApiResponse>) as unknown as RawServerDefault,
  });
  const fastify = adapter.getInstance<FastifyInstance>();
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (request: FastifyRequest, _payload: unknown, done: (err: null, body: unknown) => void) =>
    done(null, (request.raw as ApiRequest).body),
  );
  decorateForThePipeline(fastify);
  fastify.addHook('onRequest', (request, reply, next) => {
    const raw = request.raw as ApiRequest;
    (raw as { id?: unknown }).id = request.id;
    reply.raw.setHeader(REQUEST_ID_HEADER, request.id);
    // What Express's router leaves on the request: the metrics and the usage record read the route template.
    if (request.routeOptions.url !== undefined) raw.route = { path: request.routeOptions.url };
    next();
  });
  fastify.addHook('onSend', (request, reply, payload, next) => next(null, withEtag(request, reply, payload)));
  return adapter;
}

/**
 * What Fastify's router refuses before any hook runs, answered as Express's router errors are: a path that
 * does not percent-decode is the same 400 invalid-encoding; an over-long parameter, no route.
 */
function answerRouterError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  // Fastify builds this request and reply without the decorations: the problem is written on Node's own
  // (before any middleware, as Express's router refuses it: no Cache-Control either).
  (request.raw as { id?: unknown }).id = request.id;
  reply.raw.setHeader(REQUEST_ID_HEADER, request.id);
  const cause =
    error.code === 'FST_ERR_BAD_URL'
      ? new BadRequestException('Failed to decode param')
      : new NotFoundException(`Cannot ${request.method} ${pathOf(request.url)}`);
  writeProblem(request.raw as never, reply.raw as never, cause);
}

/** The request Node builds, with what Express adds and the pipeline reads in middleware. */
class ApiRequest extends IncomingMessage {
  body?: unknown;
  principal?: unknown;
  route?: { path: string };
  readonly baseUrl = '';
  get path(): string {
    return pathOf(this.url ?? '/');
  }
}

/** The response Node builds, with the one Express method the pipeline's middleware calls. */
class ApiResponse extends ServerResponse<ApiRequest> {
  status(code: number): this {
    this.statusCode = code;
    return this;
  }
}

function decorateForThePipeline(fastify: FastifyInstance): void {
  fastify.decorateRequest('principal', {
    getter(this: FastifyRequest) {
      return (this.raw as ApiRequest).principal;
    },
    setter(this: FastifyRequest, value: unknown) {
      (this.raw as ApiRequest).principal = value;
    },
  });
  fastify.decorateRequest('path', {
    getter(this: FastifyRequest) {
      return pathOf(this.url);
    },
  });
  fastify.decorateRequest('baseUrl', '');
  fastify.decorateRequest('route', {
    getter(this: FastifyRequest) {
      return (this.raw as ApiRequest).route;
    },
  });
  fastify.decorateReply('headersSent', {
    getter(this: FastifyReply) {
      return this.sent || this.raw.headersSent;
    },
  });
  fastify.decorateReply('setHeader', function (this: FastifyReply, name: string, value: string | number | readonly string[]) {
    return this.header(name, value);
  });
  // Express's `res.end`: these bytes, these headers, nothing added (no ETag, no charset on the type).
  fastify.decorateReply('end', function (this: FastifyReply, body?: string | Buffer) {
    this.hijack();
    for (const [name, value] of Object.entries(this.getHeaders())) if (value !== undefined) this.raw.setHeader(name, value);
    this.raw.statusCode = this.statusCode;
    this.raw.end(body);
    return this;
  });
  fastify.decorateReply('location', function (this: FastifyReply, url: string) {
    return this.header('Location', encodeURI(url));
  });
  fastify.decorateReply('cookie', function (this: FastifyReply, name: string, value: string, options: CookieOptions = {}) {
    const previous = this.getHeader('set-cookie');
    const list = previous === undefined ? [] : Array.isArray(previous) ? previous.map(String) : [String(previous)];
    return this.header('Set-Cookie', [...list, serializeCookie(name, value, options)]);
  });
}

/** The `res.cookie` options the API uses; `maxAge` in milliseconds, as Express takes it. */
interface CookieOptions {
  maxAge?: number;
  domain?: string;
  path?: string;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: 'strict' | 'lax' | 'none';
}

/** `Set-Cookie` as Express writes it (the `cookie` package's attribute order; path `/` by default). */
function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${encodeURIComponent(value)}`];
  if (options.maxAge !== undefined) parts.push(`Max-Age=${Math.floor(options.maxAge / 1000)}`);
  if (options.domain) parts.push(`Domain=${options.domain}`);
  parts.push(`Path=${options.path ?? '/'}`);
  if (options.maxAge !== undefined) parts.push(`Expires=${new Date(Date.now() + options.maxAge).toUTCString()}`);
  if (options.httpOnly) parts.push('HttpOnly');
  if (options.sameSite) parts.push(`SameSite=${options.sameSite[0].toUpperCase()}${options.sameSite.slice(1)}`);
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

/** Express's strong ETag (the `etag` package): body length in hex and the first 27 of its SHA-1 in base64. */
function strongEtag(body: string | Buffer): string {
  const hash = createHash('sha1').update(body).digest('base64').substring(0, 27);
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  return `"${length.toString(16)}-${hash}"`;
}

/** Express's `req.fresh` (the `fresh` package) for an ETag: the client's `If-None-Match` already holds it. */
function isFresh(headers: IncomingHttpHeaders, etag: string | undefined): boolean {
  const noneMatch = headers['if-none-match'];
  if (!noneMatch) return false;
  if (/(?:^|,)\s*?no-cache\s*?(?:,|$)/.test(headers['cache-control'] ?? '')) return false;
  if (noneMatch.trim() === '*') return true;
  if (!etag) return false;
  return noneMatch.split(',').some((tag) => {
    const candidate = tag.trim();
    return candidate === etag || candidate === `W/${etag}` || `W/${candidate}` === etag;
  });
}

/** Express's `etag: 'strong'` and `req.fresh`: a body without an ETag gets one; a fresh GET/HEAD is 304. */
function withEtag(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
  if ((typeof payload === 'string' || Buffer.isBuffer(payload)) && payload.length > 0 && !reply.hasHeader('etag')) {
    reply.header('ETag', strongEtag(payload));
  }
  const { statusCode } = reply;
  const readOnly = request.method === 'GET' || request.method === 'HEAD';
  if (!readOnly || !((statusCode >= 200 && statusCode < 300) || statusCode === 304)) return payload;
  const etag = reply.getHeader('etag');
  if (!isFresh(request.headers, typeof etag === 'string' ? etag : undefined)) return payload;
  reply.code(304);
  reply.removeHeader('content-type');
  reply.removeHeader('content-length');
  reply.removeHeader('transfer-encoding');
  return '';
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Swagger UI's files without `@fastify/static` (not a dependency): GET `<prefix>/<file>` streams the file
 * from the assets folder, never outside it.
 */
class StaticAssetsFastifyAdapter extends FastifyAdapter {
  override useStaticAssets(options: { root: string; prefix?: string }): this {
    const root = resolve(options.root);
    const prefix = (options.prefix ?? '').replace(/\/$/, '');
    this.getInstance<FastifyInstance>().get(`${prefix}/*`, (request, reply) => {
      const name = (request.params as { '*': string })['*'];
      const file = resolve(root, name);
      if (!file.startsWith(root + sep) || !isFile(file)) return reply.callNotFound();
      return reply.type(CONTENT_TYPES[extname(file)] ?? 'application/octet-stream').send(createReadStream(file));
    });
    return this;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
