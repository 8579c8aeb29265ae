import { connect } from 'node:net';
import type { Socket } from 'node:net';
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
});
