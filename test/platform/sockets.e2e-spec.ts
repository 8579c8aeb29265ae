import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { ApiProcess } from './api-process';
import { spawnApi } from './api-process';

jest.setTimeout(90_000);

/** Connects and resolves once connected; `closed` settles when the server ends the socket. */
function open(port: number): Promise<{ socket: Socket; closed: Promise<string> }> {
  return new Promise((resolveOpen, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      const closed = new Promise<string>((resolveClosed) => socket.once('close', () => resolveClosed(received)));
      resolveOpen({ socket, closed });
    });
    socket.once('error', reject);
  });
}

/**
 * A slowloris client: sends a request line and then one header byte at a time, never finishing and never
 * closing: the socket can only end because the server hangs up. Resolves with what it received.
 */
async function slowHeaders(port: number): Promise<string> {
  const { socket, closed } = await open(port);
  socket.on('error', () => undefined);
  socket.write(`GET /health/live HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
  const trickle = setInterval(() => {
    if (!socket.destroyed) socket.write('X');
  }, 200);
  const received = await closed;
  clearInterval(trickle);
  return received;
}

/** GET /health/live on its own connection (no keep-alive pool holding a socket open). */
function probe(port: number): Promise<number> {
  return new Promise((resolveProbe, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: '/health/live', agent: false, headers: { connection: 'close' } },
      (res) => {
        res.resume();
        res.once('end', () => resolveProbe(res.statusCode ?? 0));
      },
    );
    req.once('error', reject);
    req.end();
  });
}

async function untilLive(api: ApiProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (api.child.exitCode !== null) throw new Error(`API exited:\n${api.output()}`);
    try {
      if ((await probe(api.port)) === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`API did not become live:\n${api.output()}`);
}

describe('socket limits (e2e)', () => {
  let api: ApiProcess | undefined;

  afterEach(async () => {
    await api?.dispose();
    api = undefined;
  });

  it('closes the socket of a client that sends its headers too slowly, and keeps serving others', async () => {
    api = await spawnApi({ HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_RECEIVE_TIMEOUT_MS: '2000', HTTP_BODY_READ_TIMEOUT_MS: '1500' });
    await untilLive(api);
    // Node's defaults held such a socket for about 80 s; this test's own timeout is well below that.
    expect(await slowHeaders(api.port)).toMatch(/^$|^HTTP\/1\.1 408 /);
    expect(await probe(api.port)).toBe(200);
  }, 60_000);

  it('closes an idle keep-alive connection after HTTP_KEEP_ALIVE_TIMEOUT_MS', async () => {
    api = await spawnApi({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '500' });
    await untilLive(api);
    const { socket, closed } = await open(api.port);
    socket.write(`GET /health/live HTTP/1.1\r\nHost: 127.0.0.1:${api.port}\r\n\r\n`);
    const received = await closed; // no `Connection: close`: only the server's idle timeout ends it
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    expect(received).toMatch(/keep-alive/i);
  });

  it('drops connections beyond HTTP_MAX_CONNECTIONS and accepts again once one closes', async () => {
    api = await spawnApi({ HTTP_MAX_CONNECTIONS: '3' });
    await untilLive(api);
    const { port } = api;
    const held = [];
    for (let i = 0; i < 3; i++) {
      const connection = await open(port);
      connection.socket.write(`GET /health/live HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`); // headers unfinished
      held.push(connection);
    }
    const extra = await open(port);
    extra.socket.on('error', () => undefined);
    extra.socket.write(`GET /health/live HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    expect(await extra.closed).toBe(''); // dropped without an answer

    held[0].socket.write('Connection: close\r\n\r\n');
    expect(await held[0].closed).toMatch(/^HTTP\/1\.1 200 /);
    expect(await probe(port)).toBe(200);
    for (const connection of held) connection.socket.destroy();
  });
});
