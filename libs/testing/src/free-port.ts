import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

/** Ports handed out here: below the kernel's ephemeral range (32768-60999 by default), above the well-known. */
const LOWEST = 10000;
const HIGHEST = 32767;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
  });
}

/**
 * A port nothing listens on right now, on the loopback interface (for a server a test starts itself).
 *
 * It is chosen outside the ephemeral range on purpose: a port the kernel hands out with `listen(0)` is
 * also one it may give, a moment later, to an outgoing connection (a pool's new socket to PostgreSQL),
 * and the server the test then starts on it (redis-server, postgres) fails to bind.
 */
export async function freeLoopbackPort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = randomInt(LOWEST, HIGHEST + 1);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free loopback port found in ${LOWEST}-${HIGHEST} after 100 tries`);
}
