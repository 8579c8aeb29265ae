// Per-request cost of authentication: N calls of the global guard's canActivate (the real app, booted on
// an in-memory SQLite database) with a bearer JWT and with a cached API key, on `GET /v1/auth/me`.
// Prints the median µs per call over several batches, and the database statements the calls sent (0).
//
//   npx ts-node -T -r tsconfig-paths/register scripts/bench-auth.ts
//   BENCH_AUTH_ITERATIONS=5000 BENCH_AUTH_BATCHES=15 npx ts-node -T -r tsconfig-paths/register scripts/bench-auth.ts
import 'reflect-metadata';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { NestContainer } from '@nestjs/core';
import { AuthenticationGuard } from '@aero/auth';
import { createApiKey, createTestApp, createUser } from '@aero/testing';
import { AuthController } from '../libs/auth/src/sessions/auth.controller';

const iterations = Number(process.env.BENCH_AUTH_ITERATIONS ?? 2000);
const batches = Number(process.env.BENCH_AUTH_BATCHES ?? 11);

function contextFor(headers: Record<string, string>): ExecutionContext {
  // Node lower-cases incoming header names.
  const lower = Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const request = { headers: lower, method: 'GET', url: '/v1/auth/me' };
  const response = {};
  const http = { getRequest: () => request, getResponse: () => response, getNext: () => undefined };
  return {
    getType: () => 'http',
    getHandler: () => AuthController.prototype.me,
    getClass: () => AuthController,
    switchToHttp: () => http,
  } as unknown as ExecutionContext;
}

async function medianMicros(guard: CanActivate, headers: Record<string, string>): Promise<number> {
  const ctx = contextFor(headers);
  for (let i = 0; i < iterations; i++) await guard.canActivate(ctx);
  const perCall: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) await guard.canActivate(ctx);
    perCall.push(Number(process.hrtime.bigint() - start) / 1000 / iterations);
  }
  perCall.sort((x, y) => x - y);
  return perCall[Math.floor(perCall.length / 2)];
}

/** The instance the app registered under APP_GUARD (not a copy). */
function globalGuard(app: { container: NestContainer }): CanActivate {
  for (const module of app.container.getModules().values()) {
    for (const wrapper of module.providers.values()) {
      if (wrapper.metatype === AuthenticationGuard && wrapper.instance)
        return wrapper.instance as CanActivate;
    }
  }
  throw new Error('AuthenticationGuard is not registered');
}

async function main(): Promise<void> {
  const t = await createTestApp({ skipContractCheck: true });
  try {
    const user = await createUser(t, { role: 'member' });
    const key = await createApiKey(t, { scopes: ['members:read'] });
    const guard = globalGuard(t.app as unknown as { container: NestContainer });
    // The first key check fills the cache; every later one must be CPU only.
    await guard.canActivate(contextFor(key.authHeader));
    const queriesBefore = t.queryCount();
    const jwt = await medianMicros(guard, user.authHeader);
    const apiKey = await medianMicros(guard, key.authHeader);
    const queries = t.queryCount() - queriesBefore;
    process.stdout.write(
      `${JSON.stringify({ iterations, batches, jwtMedianMicros: +jwt.toFixed(2), cachedApiKeyMedianMicros: +apiKey.toFixed(2), queries })}\n`,
    );
  } finally {
    await t.close();
  }
}

void main();
