import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { DbType } from '@aero/core';

/** Connection settings of the machine's test PostgreSQL (scripts/test-services.sh creates them). */
export function postgresTestSettings(): { host: string; port: number; username: string; password: string; adminDatabase: string } {
  return {
    host: process.env.DB_HOST ?? '127.0.0.1',
    port: Number(process.env.DB_PORT ?? 5432),
    username: process.env.DB_USERNAME ?? 'aero_test',
    password: process.env.DB_PASSWORD ?? 'aero_test',
    adminDatabase: process.env.DB_DATABASE ?? 'aero_test',
  };
}

export function testDbType(): DbType {
  const type = process.env.DB_TYPE;
  return type === 'postgres' ? 'postgres' : 'sqlite';
}

/** A fresh, empty database for one test file; `drop()` removes it afterwards. */
export interface TestDatabase {
  env: Record<string, string>;
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Several app instances will open it (SQLite then uses a temporary file instead of memory). */
  shareable?: boolean;
}

export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  if (testDbType() === 'sqlite') {
    if (!options.shareable) return { env: { DB_TYPE: 'sqlite', DB_DATABASE: ':memory:' }, drop: async () => undefined };
    const dir = mkdtempSync(join(tmpdir(), 'aero-e2e-'));
    return {
      env: { DB_TYPE: 'sqlite', DB_DATABASE: join(dir, 'shared.sqlite') },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const pg = postgresTestSettings();
  const name = `aero_e2e_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ host: pg.host, port: pg.port, user: pg.username, password: pg.password, database: pg.adminDatabase });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    env: {
      DB_TYPE: 'postgres',
      DB_HOST: pg.host,
      DB_PORT: String(pg.port),
      DB_USERNAME: pg.username,
      DB_PASSWORD: pg.password,
      DB_DATABASE: name,
    },
    drop: async () => {
      const client = new Client({ host: pg.host, port: pg.port, user: pg.username, password: pg.password, database: pg.adminDatabase });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
