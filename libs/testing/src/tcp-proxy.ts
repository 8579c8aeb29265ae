import type { Server, Socket } from 'node:net';
import { createConnection, createServer } from 'node:net';

export type ProxyMode = 'pass' | 'cut' | 'black-hole' | 'slow';

/** A TCP proxy between the app and a server, for fault injection (no Docker, no toxiproxy here). */
export interface TcpProxy {
  port: number;
  /**
   * `pass`: forward. `cut`: reset every open connection and refuse new ones. `black-hole`: accept and keep
   * connections but deliver nothing either way until the mode changes (a partition that TCP retransmission
   * outlives: what was sent arrives afterwards). `slow`: forward each chunk after `delayMs`.
   */
  setMode(mode: ProxyMode, delayMs?: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let mode: ProxyMode = 'pass';
  let delayMs = 0;
  const pairs = new Set<{ client: Socket; upstream: Socket }>();

  const held: (() => void)[] = [];
  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk) => {
      if (mode === 'black-hole') {
        from.pause();
        held.push(() => {
          if (!to.destroyed) to.write(chunk);
          from.resume();
        });
        return;
      }
      if (mode === 'slow') {
        from.pause();
        setTimeout(() => {
          if (!to.destroyed) to.write(chunk);
          from.resume();
        }, delayMs);
        return;
      }
      if (!to.destroyed) to.write(chunk);
    });
  };

  const server: Server = createServer((client) => {
    if (mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: targetHost, port: targetPort });
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    setMode(next, delay = 0) {
      mode = next;
      delayMs = delay;
      if (next !== 'black-hole') for (const deliver of held.splice(0)) deliver();
      if (next === 'cut') {
        for (const { client, upstream } of pairs) {
          client.resetAndDestroy();
          upstream.destroy();
        }
        pairs.clear();
      }
    },
    close: async () => {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
