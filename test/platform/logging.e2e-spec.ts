import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { loadConfig } from '@aero/core';
import type { TestDatabase } from '@aero/testing';
import { createTestDatabase } from '@aero/testing';
import { createApiApp } from '../../apps/api/src/create-api-app';

interface LogLine {
  level: number;
  msg?: string;
  route?: string;
  responseTime?: number;
  req?: { id?: string; method?: string; url?: string; headers?: Record<string, string> };
  res?: { statusCode?: number };
}

const SECRETS = {
  bearer: 'secret-token-xyz',
  apiKey: 'aero_secret',
  cookie: 's=secret',
  password: 'Correct-Horse-Battery-9',
};

describe('structured request logs (e2e)', () => {
  let app: INestApplication;
  let database: TestDatabase;
  const output: string[] = [];

  const lines = (): LogLine[] =>
    output
      .join('')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LogLine);
  const lineFor = (requestId: string): LogLine | undefined =>
    lines().find((line) => line.req?.id === requestId && line.responseTime !== undefined);

  beforeAll(async () => {
    // The dialect of this e2e run (entity column types are fixed per dialect when the code loads).
    database = await createTestDatabase();
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      ...database.env,
      JWT_SIGNING_KEY: randomBytes(32).toString('hex'),
      API_KEY_PEPPER: randomBytes(32).toString('hex'),
    });
    app = await createApiApp(config, { logStream: { write: (line: string) => void output.push(line) } });
    await app.init();
  }, 30_000);
  afterAll(async () => {
    await app.close();
    await database.drop();
  }, 30_000);

  it('logs one JSON line per request with request id, route template, status and latency', async () => {
    await request(app.getHttpServer()).get('/problems/not-found').set('X-Request-Id', 'log-ok-1').expect(200);
    const line = lineFor('log-ok-1');
    expect(line).toMatchObject({
      msg: 'request completed',
      route: '/problems/:slug',
      req: { id: 'log-ok-1', method: 'GET', url: '/problems/not-found' },
      res: { statusCode: 200 },
    });
    expect(line?.responseTime).toEqual(expect.any(Number));
  });

  it('never writes credentials from headers to the log', async () => {
    const res = await request(app.getHttpServer())
      .get('/problems/not-found')
      .set('X-Request-Id', 'log-secret-1')
      .set('Authorization', `Bearer ${SECRETS.bearer}`)
      .set('X-API-Key', SECRETS.apiKey)
      .set('Cookie', SECRETS.cookie);
    const line = lineFor('log-secret-1');
    expect(line).toMatchObject({ route: '/problems/:slug', res: { statusCode: res.status } });
    expect(line?.req?.headers).toMatchObject({
      authorization: '[redacted]',
      'x-api-key': '[redacted]',
      cookie: '[redacted]',
    });
    const everything = output.join('');
    expect(everything).not.toContain(SECRETS.bearer);
    expect(everything).not.toContain(SECRETS.apiKey);
    expect(everything).not.toContain(SECRETS.cookie);
  });

  it('never writes a password from a request body to the log', async () => {
    await request(app.getHttpServer())
      .post('/v1/auth/login')
      .set('X-Request-Id', 'log-secret-2')
      .send({ email: 'ada@example.com', password: SECRETS.password });
    expect(lineFor('log-secret-2')).toBeDefined();
    expect(output.join('')).not.toContain(SECRETS.password);
  });

  it('keeps health probes and metric scrapes out of the request log', async () => {
    await request(app.getHttpServer()).get('/health/live').set('X-Request-Id', 'log-probe-1').expect(200);
    expect(lineFor('log-probe-1')).toBeUndefined();
  });
});
