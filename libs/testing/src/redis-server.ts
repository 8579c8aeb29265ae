import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { freeLoopbackPort } from './free-port';

/**
 * A Redis server of the test's own, on a free loopback port, for tests that stop and start Redis
 * (outages, reconnects). The machine's shared Redis (scripts/test-services.sh) is never stopped: other
 * suites use it at the same time.
 */
export interface DisposableRedis {
  port: number;
  url: string;
  /** Kills the server (SIGKILL, like a crash) and resolves once the port no longer answers. */
  stop(): Promise<void>;
  /** Starts it again on the same port and resolves once it answers PING. */
  start(): Promise<void>;
  /** Stops it for good. */
  dispose(): Promise<void>;
}

/** Resolves true when a Redis at the port answers PING with PONG. */
function pings(port: number): Promise<boolean> {
  return new Promise((resolvePing) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolvePing(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolveTick) => setTimeout(resolveTick, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export async function startDisposableRedis(): Promise<DisposableRedis> {
  const port = await freeLoopbackPort();
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    if (child) return;
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    proc.once('exit', () => {
      if (child === proc) child = undefined;
    });
    child = proc;
    await waitFor(() => pings(port), `redis-server on port ${port}`);
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    if (!proc) return;
    const exited = new Promise<void>((resolveExit) => proc.once('exit', () => resolveExit()));
    proc.kill('SIGKILL');
    await exited;
    child = undefined;
    await waitFor(async () => !(await pings(port)), `redis-server on port ${port} to stop`);
  };

  await start();
  return { port, url: `redis://127.0.0.1:${port}`, start, stop, dispose: stop };
}
