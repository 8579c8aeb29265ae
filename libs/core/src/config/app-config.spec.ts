import 'reflect-metadata';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './app-config';

const KEY = 'k'.repeat(40);
const PEPPER = 'p'.repeat(40);

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  let cwd: string;

  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'aero-config-'));
  });
  afterEach(() => {
    rmSync(cwd, { recursive: true, force: true });
  });

  const secretsFile = (): string => join(cwd, 'data', 'dev-secrets.json');

  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({ NODE_ENV: 'test', JWT_SIGNING_KEY: KEY, API_KEY_PEPPER: PEPPER, WEBHOOKS_SECRET_KEY: PEPPER }, cwd);
    expect(config.http.port).toBe(3000);
    expect(config.http.bodyLimitBytes).toBe(100 * 1024);
    expect(config.db).toMatchObject({ type: 'sqlite', database: 'data/aero.sqlite', migrationsRun: true });
    expect(config.warnings).toEqual([]);
  });

  it('bounds what an instance misses while Redis is unreachable to 5 s by default', () => {
    const config = loadConfig({ NODE_ENV: 'test', JWT_SIGNING_KEY: KEY, API_KEY_PEPPER: PEPPER }, cwd);
    // Ended sessions are read from the database this often; cached API keys live this long without pub/sub.
    expect(config.jwt.revocationsPollSeconds).toBeLessThanOrEqual(5);
    expect(config.apiKeys.cacheTtlSeconds).toBeLessThanOrEqual(5);
  });

  it('names every invalid variable in one ConfigError', () => {
    const error = configErrorOf(() =>
      loadConfig(
        {
          NODE_ENV: 'test',
          PORT: 'abc',
          DB_TYPE: 'oracle',
          HTTP_BODY_LIMIT_KB: '-1',
          JWT_SIGNING_KEY: KEY,
          API_KEY_PEPPER: PEPPER,
        },
        cwd,
      ),
    );
    expect(error.problems).toEqual([
      'PORT: must be an integer number',
      'DB_TYPE: must be one of the following values: sqlite, postgres, mssql',
      'HTTP_BODY_LIMIT_KB: must not be less than 1',
    ]);
    expect(error.message).toContain('PORT');
    expect(error.message).toContain('DB_TYPE');
  });

  it('keeps the body-read timeout below the whole-request timeout, so a slow body is answered 408, not reset', () => {
    const base = { NODE_ENV: 'test', JWT_SIGNING_KEY: KEY, API_KEY_PEPPER: PEPPER };
    expect(loadConfig(base, cwd).http).toMatchObject({ bodyReadTimeoutMs: 10_000, receiveTimeoutMs: 30_000 });
    const error = configErrorOf(() => loadConfig({ ...base, HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_RECEIVE_TIMEOUT_MS: '2000' }, cwd));
    expect(error.problems.map((p) => p.split(':')[0])).toEqual(['HTTP_BODY_READ_TIMEOUT_MS']);
  });

  it('requires a host, user and database name for a server database', () => {
    const error = configErrorOf(() =>
      loadConfig(
        { NODE_ENV: 'test', DB_TYPE: 'postgres', JWT_SIGNING_KEY: KEY, API_KEY_PEPPER: PEPPER },
        cwd,
      ),
    );
    expect(error.problems).toEqual(
      expect.arrayContaining([
        'DB_HOST: required when DB_TYPE=postgres',
        'DB_USERNAME: required when DB_TYPE=postgres',
        'DB_DATABASE: required when DB_TYPE=postgres',
      ]),
    );
  });

  it('accepts a complete SQL Server configuration', () => {
    const config = loadConfig(
      {
        NODE_ENV: 'test',
        DB_TYPE: 'mssql',
        DB_HOST: 'sql.example.net',
        DB_PORT: '1433',
        DB_USERNAME: 'aero',
        DB_PASSWORD: 'pw',
        DB_DATABASE: 'aero',
        DB_MSSQL_ENCRYPT: 'false',
        DB_MSSQL_TRUST_SERVER_CERTIFICATE: 'true',
        DB_POOL_SIZE: '25',
        JWT_SIGNING_KEY: KEY,
        API_KEY_PEPPER: PEPPER,
      },
      cwd,
    );
    expect(config.db).toMatchObject({
      type: 'mssql',
      host: 'sql.example.net',
      port: 1433,
      mssqlEncrypt: false,
      mssqlTrustServerCertificate: true,
      poolSize: 25,
    });
  });

  it('refuses to start in production without the secrets, and never writes a secrets file', () => {
    const error = configErrorOf(() => loadConfig({ NODE_ENV: 'production' }, cwd));
    expect(error.problems.map((p) => p.split(':')[0]).sort()).toEqual(['API_KEY_PEPPER', 'JWT_SIGNING_KEY', 'WEBHOOKS_SECRET_KEY']);
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  });

  it('refuses private webhook targets in production', () => {
    const error = configErrorOf(() =>
      loadConfig(
        { NODE_ENV: 'production', JWT_SIGNING_KEY: KEY, API_KEY_PEPPER: PEPPER, WEBHOOKS_SECRET_KEY: PEPPER, WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true' },
        cwd,
      ),
    );
    expect(error.problems).toEqual(['WEBHOOKS_ALLOW_PRIVATE_TARGETS: must not be true when NODE_ENV=production']);
  });

  it('rejects secrets shorter than 32 characters', () => {
    const error = configErrorOf(() =>
      loadConfig({ NODE_ENV: 'production', JWT_SIGNING_KEY: 'short', API_KEY_PEPPER: PEPPER, WEBHOOKS_SECRET_KEY: PEPPER }, cwd),
    );
    expect(error.problems.map((p) => p.split(':')[0])).toEqual(['JWT_SIGNING_KEY']);
    expect(error.message).not.toContain('short');
  });

  it('outside production generates a missing secret once, privately, and reuses it', () => {
    const first = loadConfig({ NODE_ENV: 'development' }, cwd);
    expect(first.jwt.signingKey.length).toBeGreaterThanOrEqual(32);
    expect(first.apiKeys.pepper.length).toBeGreaterThanOrEqual(32);
    expect(first.jwt.signingKey).not.toBe(first.apiKeys.pepper);
    expect(first.warnings.join('\n')).toMatch(/JWT_SIGNING_KEY, API_KEY_PEPPER, WEBHOOKS_SECRET_KEY not set/);
    expect(first.warnings.join('\n')).not.toContain(first.jwt.signingKey);

    expect(statSync(secretsFile()).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(secretsFile(), 'utf8')) as Record<string, string>;
    expect(stored).toEqual({
      JWT_SIGNING_KEY: first.jwt.signingKey,
      API_KEY_PEPPER: first.apiKeys.pepper,
      WEBHOOKS_SECRET_KEY: first.webhooks.secretKey,
    });

    const second = loadConfig({ NODE_ENV: 'development' }, cwd);
    expect(second.jwt.signingKey).toBe(first.jwt.signingKey);
    expect(second.apiKeys.pepper).toBe(first.apiKeys.pepper);
  });

  it('uses a secret from the environment over the generated one, generating only what is missing', () => {
    const config = loadConfig({ NODE_ENV: 'test', JWT_SIGNING_KEY: KEY, WEBHOOKS_SECRET_KEY: PEPPER }, cwd);
    expect(config.jwt.signingKey).toBe(KEY);
    const stored = JSON.parse(readFileSync(secretsFile(), 'utf8')) as Record<string, string>;
    expect(Object.keys(stored)).toEqual(['API_KEY_PEPPER']);
  });

  it.each([
    ['true', true],
    ['false', false],
    ['1', true],
    ['0', false],
  ])('parses the boolean %s', (text, value) => {
    const config = loadConfig(
      {
        NODE_ENV: 'test',
        DB_MIGRATIONS_RUN: text,
        DOCS_ENABLED: text,
        JWT_SIGNING_KEY: KEY,
        API_KEY_PEPPER: PEPPER,
      },
      cwd,
    );
    expect(config.db.migrationsRun).toBe(value);
    expect(config.http.docsEnabled).toBe(value);
  });

  it('rejects a boolean it cannot read', () => {
    const error = configErrorOf(() =>
      loadConfig(
        { NODE_ENV: 'test', DB_MIGRATIONS_RUN: 'maybe', JWT_SIGNING_KEY: KEY, API_KEY_PEPPER: PEPPER },
        cwd,
      ),
    );
    expect(error.problems.map((p) => p.split(':')[0])).toEqual(['DB_MIGRATIONS_RUN']);
  });

  it('runs on Express unless HTTP_ADAPTER names fastify, and refuses any other framework', () => {
    const base = { NODE_ENV: 'test', JWT_SIGNING_KEY: KEY, API_KEY_PEPPER: PEPPER };
    expect(loadConfig(base, cwd).http.adapter).toBe('express');
    expect(loadConfig({ ...base, HTTP_ADAPTER: 'fastify' }, cwd).http.adapter).toBe('fastify');
    const error = configErrorOf(() => loadConfig({ ...base, HTTP_ADAPTER: 'koa' }, cwd));
    expect(error.problems.map((p) => p.split(':')[0])).toEqual(['HTTP_ADAPTER']);
  });

  it('treats an empty value as unset and splits the CORS allowlist', () => {
    const config = loadConfig(
      {
        NODE_ENV: 'test',
        PORT: '',
        HTTP_CORS_ORIGINS: 'https://book.example.com, https://pos.example.com',
        JWT_SIGNING_KEY: KEY,
        API_KEY_PEPPER: PEPPER,
      },
      cwd,
    );
    expect(config.http.port).toBe(3000);
    expect(config.http.corsOrigins).toEqual(['https://book.example.com', 'https://pos.example.com']);
  });

  it('reads Redis Cluster seed nodes and names a malformed one, or one set beside REDIS_URL', () => {
    const base = { NODE_ENV: 'test', JWT_SIGNING_KEY: KEY, API_KEY_PEPPER: PEPPER };
    const config = loadConfig({ ...base, REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b.internal:7001,[::1]:7002' }, cwd);
    expect(config.redisClusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b.internal', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(configErrorOf(() => loadConfig({ ...base, REDIS_CLUSTER_NODES: '10.0.0.1:7000,redis-b' }, cwd)).message).toContain(
      'REDIS_CLUSTER_NODES: "redis-b" is not host:port',
    );
    expect(
      configErrorOf(() => loadConfig({ ...base, REDIS_CLUSTER_NODES: '10.0.0.1:7000', REDIS_URL: 'redis://10.0.0.1:6379' }, cwd)).message,
    ).toContain('set either REDIS_URL or REDIS_CLUSTER_NODES');
  });

  it('reads a read replica only beside a server database', () => {
    const base = { NODE_ENV: 'test', JWT_SIGNING_KEY: KEY, API_KEY_PEPPER: PEPPER };
    const server = { DB_TYPE: 'postgres', DB_HOST: 'db', DB_USERNAME: 'app', DB_DATABASE: 'aero' };
    const config = loadConfig({ ...base, ...server, DB_REPLICA_HOST: 'db-ro', DB_REPLICA_PORT: '5433', DB_REPLICA_MAX_LAG_MS: '2000' }, cwd);
    expect(config.db.replica).toEqual({ host: 'db-ro', port: 5433, username: undefined, password: undefined });
    expect(config.db.replicaMaxLagMs).toBe(2000);
    expect(configErrorOf(() => loadConfig({ ...base, DB_REPLICA_HOST: 'db-ro' }, cwd)).message).toContain('DB_REPLICA_HOST: a read replica needs');
  });
});
