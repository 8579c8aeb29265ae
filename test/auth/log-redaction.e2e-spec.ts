import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { ApiKeysService } from '@aero/api-keys';
import { UsersService } from '@aero/auth';
import { loadConfig } from '@aero/core';
import type { TestDatabase } from '@aero/testing';
import { createTestDatabase, randomPassword } from '@aero/testing';
import { createApiApp } from '../../apps/api/src/create-api-app';

/** Real credentials through real flows (success and failure): none may reach the log output. */
describe('credentials never reach the logs (e2e)', () => {
  let app: INestApplication;
  let database: TestDatabase;
  const output: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'debug',
      ...database.env,
      JWT_SIGNING_KEY: randomBytes(32).toString('hex'),
      API_KEY_PEPPER: randomBytes(32).toString('hex'),
    });
    app = await createApiApp(config, { logStream: { write: (line: string) => void output.push(line) } });
    await app.init();
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  it('logs requests carrying passwords, access and refresh tokens and API keys without any of them', async () => {
    const server = app.getHttpServer();
    const password = randomPassword();
    const user = await app.get(UsersService).create({ email: 'logged@example.test', password, roles: ['admin'] });
    const { key } = await app.get(ApiKeysService).create({ name: 'log test', app: 'kiosk', scopes: ['members:read'] }, 'test');

    const login = await request(server).post('/v1/auth/login').send({ email: user.email, password }).expect(200);
    const { accessToken, refreshToken } = login.body as { accessToken: string; refreshToken: string };
    await request(server).post('/v1/auth/login').send({ email: user.email, password: `${password}-wrong` }).expect(401);
    await request(server).get('/v1/auth/me').set('Authorization', `Bearer ${accessToken}`).expect(200);
    await request(server).get('/v1/auth/me').set('Authorization', `Bearer ${accessToken}x`).expect(401);
    await request(server).get('/v1/auth/me').set('X-API-Key', key).expect(200);
    await request(server).get('/v1/auth/me').set('X-API-Key', `${key.slice(0, -1)}${key.endsWith('0') ? '1' : '0'}`).expect(401);
    await request(server).get('/v1/auth/me').set('Authorization', `Bearer ${accessToken}`).set('X-API-Key', key).expect(400);
    const refreshed = await request(server).post('/v1/auth/refresh').send({ refreshToken }).expect(200);
    await request(server).post('/v1/auth/refresh').send({ refreshToken }).expect(401); // reuse → warning logged
    await request(server).post('/v1/auth/logout').send({ refreshToken: refreshed.body.refreshToken }).expect(204);

    const everything = output.join('');
    expect(everything).toContain('"/v1/auth/me"'); // the requests were logged…
    for (const secret of [password, accessToken, refreshToken, refreshed.body.refreshToken, key, key.slice(38, 81)]) {
      expect(everything).not.toContain(secret); // …without their credentials
    }
  });
});
