import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { ShutdownState } from '@aero/core';
import { createTestApp } from '@aero/testing';
import type { TestApp } from '@aero/testing';
import type { ApiProcess } from './api-process';
import { spawnApi, waitUntilLive } from './api-process';

jest.setTimeout(90_000);

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A keep-alive client on one socket: each `get` sends a request and resolves with the parsed response. */
class KeepAliveClient {
  private buffered = '';
  private waiting: ((response: RawResponse) => void) | undefined;
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered += chunk.toString();
      this.tryParse();
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => (this.closed = true));
  }

  static open(port: number): Promise<KeepAliveClient> {
    return new Promise((resolveOpen, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolveOpen(new KeepAliveClient(socket)));
      socket.once('error', reject);
    });
  }

  get(path: string): Promise<RawResponse> {
    return new Promise((resolveResponse) => {
      this.waiting = resolveResponse;
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`);
    });
  }

  private tryParse(): void {
    const end = this.buffered.indexOf('\r\n\r\n');
    if (end < 0 || !this.waiting) return;
    const [statusLine, ...lines] = this.buffered.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(
      lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
    );
    const length = Number(headers['content-length'] ?? 0);
    if (this.buffered.length < end + 4 + length) return;
    const body = this.buffered.slice(end + 4, end + 4 + length);
    this.buffered = this.buffered.slice(end + 4 + length);
    const resolveResponse = this.waiting;
    this.waiting = undefined;
    resolveResponse({ status: Number(statusLine.split(' ')[1]), headers, body });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting until ${what}`);
}

describe('drain on SIGTERM (e2e, one process)', () => {
  let api: ApiProcess | undefined;
  const clients: KeepAliveClient[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await api?.dispose();
    api = undefined;
  });

  it('turns readiness 503 first, keeps serving with Connection: close, closes idle keep-alive sockets and exits 0', async () => {
    // A drain delay long enough for this test's few requests on a loaded machine; the test waits for
    // conditions, never for the delay itself, except for the exit at its end.
    api = await spawnApi({ LOG_LEVEL: 'info', HTTP_DRAIN_DELAY_MS: '6000' });
    await waitUntilLive(api);

    const idle = await KeepAliveClient.open(api.port);
    clients.push(idle);
    const before = await idle.get('/health/ready');
    expect(before.status).toBe(200);
    expect(before.headers.connection).toBe('keep-alive');
    expect(JSON.parse(before.body)).toMatchObject({ status: 'ok', info: { shutdown: { status: 'up' } } });

    api.child.kill('SIGTERM');

    // The connection that sat idle in keep-alive is closed by the server, so its next request goes elsewhere.
    await until(() => idle.closed, 'the idle keep-alive connection is closed');

    // New connections are still accepted and served, but readiness says "take me out of rotation".
    const { port } = api;
    let ready: Response | undefined;
    await until(async () => {
      ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      return ready.status === 503;
    }, 'readiness answers 503');
    expect(ready?.headers.get('connection')).toBe('close');
    expect(await ready?.json()).toMatchObject({ status: 503, checks: { shutdown: { status: 'down', draining: true } } });

    const served = await fetch(`http://127.0.0.1:${port}/health/live`);
    expect(served.status).toBe(200);
    expect(served.headers.get('connection')).toBe('close');
    expect(api.child.exitCode).toBeNull();

    // A clean drain is a success: orchestrators read anything else as a crash.
    expect(await api.exited).toBe(0);
    const messages = api
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages.findIndex((m) => m.includes('readiness 503'))).toBeLessThan(
      messages.findIndex((m) => m.startsWith('draining: no new connections')),
    );
    expect(messages[messages.length - 1]).toBe('api stopped');
  });

  it('refuses a request that arrives once the drain delay is over with 503 service-draining, and still exits 0', async () => {
    api = await spawnApi({ LOG_LEVEL: 'info', HTTP_DRAIN_DELAY_MS: '3000' });
    await waitUntilLive(api);
    const running = api;
    api.child.kill('SIGTERM');
    await until(() => running.output().includes('readiness 503'), 'the drain has begun');
    // A connection opened during the drain delay whose request headers end only once the delay is over: what a
    // client the balancer sent late meets while the instance's modules close.
    const socket = await new Promise<Socket>((resolveOpen, reject) => {
      const opened = connect(running.port, '127.0.0.1', () => resolveOpen(opened));
      opened.once('error', reject);
    });
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const closed = new Promise<void>((resolveClosed) => socket.once('close', () => resolveClosed()));
    socket.write('GET /v1/venues HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await until(() => running.output().includes('draining: no new connections'), 'the drain delay is over');
    socket.write('X-Request-Id: drain-late-1\r\n\r\n');
    await closed;

    const [head, body] = answer.split('\r\n\r\n');
    const [statusLine, ...lines] = head.split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    expect(statusLine).toBe('HTTP/1.1 503 Service Unavailable');
    expect(headers).toMatchObject({ connection: 'close', 'retry-after': '1', 'x-request-id': 'drain-late-1' });
    expect(headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(body)).toMatchObject({ type: '/problems/service-draining', status: 503, requestId: 'drain-late-1' });

    expect(await api.exited).toBe(0);
    const line = api
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { requestId?: string; statusCode?: number; cause?: Record<string, unknown> })
      .find((l) => l.requestId === 'drain-late-1' && l.statusCode !== undefined);
    expect(line?.cause).toEqual({ dependency: 'shutdown', reason: 'draining' });
  });
});

describe('a closing instance (e2e, in process)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const metric = async (name: string): Promise<string[]> =>
    (await t.http.get('/metrics').expect(200)).text.split('\n').filter((l) => l.startsWith(name));

  it('refuses requests with its own problem type, answers probes, and counts the refusals apart from outages', async () => {
    t.app.get(ShutdownState).close();
    for (const path of ['/v1/venues', '/problems']) {
      const res = await t.http.get(path).expect(503);
      expect(res.body).toMatchObject({ type: '/problems/service-draining', code: 'SERVICE_DRAINING', requestId: expect.any(String) });
      expect(res.headers['retry-after']).toBe('1');
      expect(res.headers.connection).toBe('close');
    }
    await t.http.get('/health/live').expect(200);
    const ready = await t.http.get('/health/ready').expect(503);
    expect(ready.body).toMatchObject({ checks: { shutdown: { status: 'down', draining: true } } });

    expect(await metric('http_draining_refusals_total ')).toEqual(['http_draining_refusals_total 2']);
    // Not a 503 of any route's (what outage alerts read), and the database breaker saw nothing.
    expect((await metric('http_request_duration_seconds_count')).filter((l) => l.includes('status_code="503"') && !l.includes('/health/'))).toEqual([]);
    expect(await metric('db_circuit_breaker_rejections_total ')).toEqual(['db_circuit_breaker_rejections_total 0']);
  });
});
