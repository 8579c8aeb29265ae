import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { ApiProcess } from './api-process';
import { spawnApi, waitUntilLive } from './api-process';

jest.setTimeout(90_000);

/** A client that sends a request's headers and the first half of its body, and the rest later. */
interface SlowUpload {
  socket: Socket;
  finish(): void;
  /** The raw HTTP response, once the server has answered and closed or the client gave up. */
  response: Promise<string>;
}

function startSlowUpload(port: number): Promise<SlowUpload> {
  const body = JSON.stringify({ note: 'a slow client upload' });
  const half = Math.floor(body.length / 2);
  return new Promise((resolveUpload, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        [
          'POST /v1/uploads HTTP/1.1',
          `Host: 127.0.0.1:${port}`,
          'Content-Type: application/json',
          `Content-Length: ${Buffer.byteLength(body)}`,
          'Connection: close',
          '',
          body.slice(0, half),
        ].join('\r\n'),
      );
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      const response = new Promise<string>((resolveResponse) =>
        socket.once('close', () => resolveResponse(received)),
      );
      resolveUpload({ socket, finish: () => socket.write(body.slice(half)), response });
    });
    socket.once('error', reject);
  });
}

async function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolveRefused) => {
    const probe = connect(port, '127.0.0.1');
    probe.once('connect', () => {
      probe.destroy();
      resolveRefused(false);
    });
    probe.once('error', () => resolveRefused(true));
  });
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting until ${what}`);
}

describe('API process (e2e)', () => {
  let api: ApiProcess | undefined;

  afterEach(async () => {
    await api?.dispose();
    api = undefined;
  });

  it('refuses to start on an invalid PORT, naming it, with a non-zero exit code', async () => {
    api = await spawnApi({ PORT: 'abc', DB_TYPE: 'oracle' });
    expect(await api.exited).toBe(1);
    expect(api.output()).toContain('Invalid configuration');
    expect(api.output()).toContain('PORT: must be an integer number');
    expect(api.output()).toContain('DB_TYPE: must be one of the following values: sqlite, postgres, mssql');
    expect(api.output()).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('refuses to start in production without its secrets', async () => {
    api = await spawnApi({ NODE_ENV: 'production', JWT_SIGNING_KEY: '', API_KEY_PEPPER: '' });
    expect(await api.exited).toBe(1);
    expect(api.output()).toContain('JWT_SIGNING_KEY: required when NODE_ENV=production');
    expect(api.output()).toContain('API_KEY_PEPPER: required when NODE_ENV=production');
  });

  it('on SIGTERM stops accepting connections, lets an in-flight request finish, logs it and exits 0', async () => {
    api = await spawnApi({ LOG_LEVEL: 'info' });
    await waitUntilLive(api);
    const upload = await startSlowUpload(api.port);
    // Let the server read the headers, so the request is in flight when the signal arrives (generous:
    // on a loaded CI machine the server may take a while to get to it).
    await new Promise((r) => setTimeout(r, 1500));

    api.child.kill('SIGTERM');
    const { port } = api;
    await until(() => refusesConnections(port), 'the API refuses new connections');
    expect(api.child.exitCode).toBeNull(); // still draining our request

    upload.finish();
    const response = await upload.response;
    expect(response).toMatch(/^HTTP\/1\.1 404 /);
    expect(response).toMatch(/content-type: application\/problem\+json/i);
    expect(response).toContain('"detail":"No route matches POST /v1/uploads."');

    // A clean drain is a success: orchestrators read anything else as a crash.
    expect(await api.exited).toBe(0);
    const lines = api
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; signal?: string });
    const messages = lines.map((line) => line.msg);
    expect(messages.find((m) => m.startsWith('api started'))).toBeDefined();
    expect(lines.find((line) => line.signal === 'SIGTERM')?.msg).toMatch(/shutting down/);
    expect(messages[messages.length - 1]).toBe('api stopped');
  });

  it('logs readable lines with LOG_FORMAT=pretty, and no line per route or module at start', async () => {
    api = await spawnApi({ LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' });
    await waitUntilLive(api);
    await until(async () => api?.output().includes('api started') ?? false, 'the start line is written');
    const startLine = api.output().split('\n').find((line) => line.includes('api started')) ?? '';
    expect(startLine).toMatch(/INFO/);
    expect(startLine.startsWith('{')).toBe(false);
    expect(api.output()).not.toMatch(/Mapped \{|dependencies initialized|RoutesResolver/);
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
    expect(api.output()).toMatch(/api stopped/);
  });

  it('exits after HTTP_SHUTDOWN_GRACE_MS even when a client never finishes its request', async () => {
    api = await spawnApi({ HTTP_SHUTDOWN_GRACE_MS: '500' });
    await waitUntilLive(api);
    const upload = await startSlowUpload(api.port);
    await new Promise((r) => setTimeout(r, 1500));

    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(1);
    // The stuck connection was closed by the server, not left hanging.
    expect(await upload.response).toBe('');
  });
});
