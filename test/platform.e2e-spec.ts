import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { TestApp } from '@aero/testing';
import { createTestApp } from '@aero/testing';

describe('platform pipeline (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers an unknown route with a 404 problem naming the route and carrying the request id', async () => {
    const res = await t.http.get('/v1/does-not-exist').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      type: '/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: 'No route matches GET /v1/does-not-exist.',
      instance: '/v1/does-not-exist',
    });
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('answers malformed JSON with a 400 malformed-json problem', async () => {
    const res = await t.http
      .post('/v1/does-not-matter')
      .set('Content-Type', 'application/json')
      .send('{"name": ')
      .expect(400);
    expect(res.body).toMatchObject({ type: '/problems/malformed-json', status: 400 });
    expect(res.body.requestId).toEqual(expect.any(String));
  });

  it('answers a 200 kB body with 413 before parsing it', async () => {
    const res = await t.http
      .post('/v1/does-not-matter')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ blob: 'x'.repeat(200 * 1024) }))
      .expect(413);
    expect(res.body).toMatchObject({ type: '/problems/payload-too-large', status: 413, limitBytes: 102400 });
  });

  it('answers a non-JSON body with 415', async () => {
    const res = await t.http.post('/v1/does-not-matter').set('Content-Type', 'text/plain').send('hello').expect(415);
    expect(res.body).toMatchObject({ type: '/problems/unsupported-media-type', status: 415 });
  });

  it('answers a body without Content-Length (chunked) that grows past the limit with 413', async () => {
    const req = t.http.post('/v1/does-not-matter').set('Content-Type', 'application/json');
    // supertest sends a body written in parts without a Content-Length as Transfer-Encoding: chunked.
    req.write('{"blob":"');
    for (let i = 0; i < 4; i++) req.write('x'.repeat(40 * 1024));
    req.write('"}');
    const res = await req;
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ type: '/problems/payload-too-large', limitBytes: 102400 });
  });

  it('answers a compressed or non-UTF-8 body with 415 naming what to send instead', async () => {
    const gzip = await t.http
      .post('/v1/does-not-matter')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send('{}')
      .expect(415);
    expect(gzip.body).toMatchObject({ type: '/problems/unsupported-media-type', detail: expect.stringMatching(/gzip.*uncompressed/) });
    const latin1 = await t.http
      .post('/v1/does-not-matter')
      .set('Content-Type', 'application/json; charset=iso-8859-1')
      .send('{}')
      .expect(415);
    expect(latin1.body.detail).toMatch(/UTF-8/);
  });

  it('reads a JSON body with a byte-order mark and refuses a bare scalar', async () => {
    // Past body parsing a body reaches routing: 404 for this path, so the body was read as JSON.
    await t.http.post('/v1/does-not-matter').set('Content-Type', 'application/json').send('\ufeff{"a":1}').expect(404);
    const scalar = await t.http.post('/v1/does-not-matter').set('Content-Type', 'application/json').send('"text"').expect(400);
    expect(scalar.body).toMatchObject({ type: '/problems/malformed-json' });
  });

  it('answers a request line and headers over 16 kB with a 431 problem (documented on every operation)', async () => {
    // Node's HTTP parser refuses it before any route; the contract check still applies to the answer.
    const res = await t.http.get(`/health/live?pad=${'a'.repeat(20_000)}`).expect(431);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: '/problems/headers-too-large', status: 431, instance: '/health/live' });
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
    expect(res.headers['connection']).toBe('close');
  });

  it('answers a malformed header, which the HTTP parser refuses, with a 400 problem and closes the connection', async () => {
    const server = t.app.getHttpServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      socket.write('GET /health/live HTTP/1.1\r\nHost: api.test\r\nBad Header: space in its name\r\n\r\n');
      await once(socket, 'close');
      const [head, body] = received.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 400 /);
      expect(head).toMatch(/content-type: application\/problem\+json/i);
      expect(JSON.parse(body)).toMatchObject({ type: '/problems/bad-request', status: 400, requestId: expect.any(String) });
    } finally {
      server.close();
    }
  });

  it('keeps a sane inbound X-Request-Id and replaces an unsafe one', async () => {
    const kept = await t.http.get('/health/live').set('X-Request-Id', 'pos-17.abc:42').expect(200);
    expect(kept.headers['x-request-id']).toBe('pos-17.abc:42');
    const replaced = await t.http.get('/health/live').set('X-Request-Id', 'evil\tvalue with spaces').expect(200);
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reports readiness from the database', async () => {
    const res = await t.http.get('/health/ready').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', details: { database: { status: 'up' } } });
  });

  it('answers readiness with 503 problem+json when the database is gone', async () => {
    const other = await createTestApp();
    await other.dataSource.destroy();
    const res = await other.http.get('/health/ready').expect(503);
    expect(res.body).toMatchObject({ status: 503, type: '/problems/service-unavailable' });
    await other.app.close();
  });

  it('exposes Prometheus metrics labelled by route template, not raw path', async () => {
    await t.http.get('/problems/not-found').expect(200);
    const res = await t.http.get('/metrics').expect(200);
    expect(res.text).toContain('http_request_duration_seconds_bucket');
    expect(res.text).toMatch(/route="\/problems\/:slug",status_code="200"/);
    expect(res.text).not.toContain('route="/problems/not-found"');
  });

  it('counts database statements in db_queries_total', async () => {
    const scrape = async () =>
      Number(/^db_queries_total (\d+)$/m.exec((await t.http.get('/metrics').expect(200)).text)?.[1]);
    const before = await scrape();
    await t.http.get('/health/ready').expect(200);
    expect(await scrape()).toBe(before + 1);
  });

  it('sends security headers and no x-powered-by', async () => {
    const res = await t.http.get('/health/live').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('resolves every problem type URI to its description', async () => {
    const res = await t.http.get('/problems/payload-too-large').expect(200);
    expect(res.body).toMatchObject({ type: '/problems/payload-too-large', status: 413, code: 'PAYLOAD_TOO_LARGE' });
    await t.http.get('/problems/no-such-type').expect(404);
  });

  it('declares both security schemes in the served OpenAPI document', async () => {
    const res = await t.http.get('/docs-json').expect(200);
    expect(res.body.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
      'api-key': expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
    });
  });
});
