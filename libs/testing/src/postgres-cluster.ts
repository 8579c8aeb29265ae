import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freeLoopbackPort } from './free-port';

/**
 * A PostgreSQL cluster of the test's own (initdb + pg_ctl in a temp dir, on a free loopback port), for
 * tests that stop, kill and restart the database. The machine's shared PostgreSQL is never touched.
 * Runs the server as the `postgres` OS user (via runuser) when the tests run as root.
 */
export interface DisposablePostgres {
  port: number;
  /** Connection settings of the test role and database. */
  settings: { host: string; port: number; user: string; password: string; database: string };
  /** Stops the server (fast shutdown: every connection is dropped). */
  stop(): Promise<void>;
  /** Starts it again on the same port and resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes its files. */
  dispose(): Promise<void>;
}

function binDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) if (existsSync(join(base, version, 'bin', 'initdb'))) return join(base, version, 'bin');
  throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql (run scripts/test-services.sh)');
}

export async function startDisposablePostgres(): Promise<DisposablePostgres> {
  const bin = binDir();
  const port = await freeLoopbackPort();
  const dir = mkdtempSync(join(tmpdir(), 'aero-chaos-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, command), ...args]] : [join(bin, command), args];
    const result = spawnSync(file, argv, { encoding: 'utf8', cwd: dir });
    if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.stdout}`);
  };
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-c port=${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c max_connections=60 -c deadlock_timeout=200ms`;
  const start = async () => {
    run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', '-t', '30', 'start']);
  };
  const stop = async () => {
    run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  };
  await start();
  const admin = new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE ROLE aero_chaos LOGIN PASSWORD 'aero_chaos'`);
  await admin.query(`CREATE DATABASE aero_chaos OWNER aero_chaos`);
  await admin.end();
  return {
    port,
    settings: { host: '127.0.0.1', port, user: 'aero_chaos', password: 'aero_chaos', database: 'aero_chaos' },
    start,
    stop,
    dispose: async () => {
      try {
        await stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
