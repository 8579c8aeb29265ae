import type { TestApp } from '@aero/testing';
import { adminAuth, createSession, createTestApp } from '@aero/testing';

/**
 * HTTP_ADAPTER=express and HTTP_ADAPTER=fastify serve the same API: the same requests, sent to one app on
 * each framework, get the same statuses, the same headers that clients act on and the same bodies (ids,
 * request ids and dates aside). The rest of the e2e suite runs on either adapter (`npm run test:fastify`).
 */
describe('the API on Express and on Fastify (e2e)', () => {
  const apps: Record<'express' | 'fastify', TestApp> = {} as never;
  const admins: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    for (const adapter of ['express', 'fastify'] as const) {
      apps[adapter] = await createTestApp({ env: { HTTP_ADAPTER: adapter } });
      admins[adapter] = await adminAuth(apps[adapter]);
    }
  });
  afterAll(async () => {
    await Promise.all(Object.values(apps).map((t) => t.close()));
  });

  it('runs each app on the framework HTTP_ADAPTER names', () => {
    expect(apps.express.app.getHttpAdapter().getType()).toBe('express');
    expect(apps.fastify.app.getHttpAdapter().getType()).toBe('fastify');
  });

  /** What a client sees of a response, without what differs by nature between two apps (ids, times). */
  const seen = (res: { status: number; headers: Record<string, string>; body: unknown }) => ({
    status: res.status,
    contentType: res.headers['content-type'],
    cacheControl: res.headers['cache-control'],
    retryAfter: res.headers['retry-after'],
    hasRequestId: typeof res.headers['x-request-id'] === 'string',
    body: JSON.parse(JSON.stringify(res.body ?? {}).replace(/"(requestId|id|createdAt|updatedAt|instance|sessionId)":"[^"]*"/g, '"$1":"…"')),
  });

  it.each([
    ['an unknown route', (t: TestApp) => t.http.get('/v1/nowhere')],
    ['a path that is not UTF-8', (t: TestApp) => t.http.get('/v1/members/%E0%A4%A')],
    ['a request without credentials', (t: TestApp) => t.http.get('/v1/members')],
    ['malformed JSON', (t: TestApp, a: Record<string, string>) => t.http.post('/v1/members').set(a).set('Content-Type', 'application/json').send('{"firstName": ')],
    ['a body in Latin-1', (t: TestApp, a: Record<string, string>) => t.http.post('/v1/members').set(a).set('Content-Type', 'application/json; charset=latin1').send('{}')],
    ['invalid UTF-8 in the body', (t: TestApp, a: Record<string, string>) => t.http.post('/v1/members').set(a).set('Content-Type', 'application/json').send(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))],
    ['a query that is not UTF-8', (t: TestApp, a: Record<string, string>) => t.http.get('/v1/members?search=%E9').set(a)],
    ['a body over the size limit', (t: TestApp, a: Record<string, string>) => t.http.post('/v1/members').set(a).set('Content-Type', 'application/json').send(JSON.stringify({ firstName: 'x'.repeat(200_000) }))],
    ['a validation failure', (t: TestApp, a: Record<string, string>) => t.http.post('/v1/members').set(a).send({ firstName: '' })],
    ['the live probe', (t: TestApp) => t.http.get('/health/live')],
  ])('answers %s the same way', async (_name, send) => {
    const [express, fastify] = await Promise.all([send(apps.express, admins.express), send(apps.fastify, admins.fastify)]);
    expect(seen(fastify)).toEqual(seen(express));
    expect(fastify.headers['x-request-id']).toBe((fastify.body as { requestId?: string }).requestId ?? fastify.headers['x-request-id']);
  });

  it('keeps a sane inbound X-Request-Id on both', async () => {
    for (const t of Object.values(apps)) {
      const res = await t.http.get('/v1/nowhere').set('X-Request-Id', 'trace-42').expect(404);
      expect(res.headers['x-request-id']).toBe('trace-42');
      expect(res.body.requestId).toBe('trace-42');
    }
  });

  it('sends a strong ETag on a read, answers If-None-Match with an empty 304, and none on a problem, on both', async () => {
    for (const [adapter, t] of Object.entries(apps)) {
      const session = await createSession(t, { capacity: 4 });
      const first = await t.http.get(`/v1/sessions/${session.id}`).set(admins[adapter]).expect(200);
      expect(first.headers.etag).toMatch(/^"[^"]+"$/);
      const again = await t.http.get(`/v1/sessions/${session.id}`).set(admins[adapter]).set('If-None-Match', first.headers.etag).expect(304);
      expect(again.text).toBe('');
    }
    const problems = await Promise.all(Object.values(apps).map((t) => t.http.get('/v1/nowhere').expect(404)));
    expect(problems.map((p) => p.headers.etag)).toEqual([undefined, undefined]);
  });

  it('sends the same Location on a create on both', async () => {
    for (const [adapter, t] of Object.entries(apps)) {
      const venue = await t.http.post('/v1/venues').set(admins[adapter]).send({ name: 'Adapter Park', timeZone: 'America/Toronto' }).expect(201);
      expect(venue.headers.location).toBe(`/v1/venues/${venue.body.id}`);
    }
  });
});
