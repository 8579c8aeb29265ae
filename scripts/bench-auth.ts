// Per-request cost of authentication: N calls of the global guard's canActivate (the real app, booted on
// an in-memory SQLite database) with a bearer JWT and with a cached API key, on `GET /v1/auth/me`.
// Prints the median CPU µs per call over several batches (second of two rounds), and the database
// statements the calls sent (0). Where the strategies exist, also the strategies' own cost, without
// passport and the guard around them: the difference is what passport adds.
//
//   npx ts-node -T -r tsconfig-paths/register scripts/bench-auth.ts
//   BENCH_AUTH_ITERATIONS=5000 BENCH_AUTH_BATCHES=15 npx ts-node -T -r tsconfig-paths/register scripts/bench-auth.ts
import 'reflect-metadata';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { NestContainer } from '@nestjs/core';
import type { Request } from 'express';
import { Authenticator } from 'passport';
import { Strategy } from 'passport-custom';
import * as auth from '@aero/auth';
import { AuthenticationGuard } from '@aero/auth';
import { createApiKey, createTestApp, createUser } from '@aero/testing';
import { AuthController } from '../libs/auth/src/sessions/auth.controller';

const iterations = Number(process.env.BENCH_AUTH_ITERATIONS ?? 2000);
const batches = Number(process.env.BENCH_AUTH_BATCHES ?? 11);

function requestFor(headers: Record<string, string>): Request {
  // Node lower-cases incoming header names.
  const lower = Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  return { headers: lower, method: 'GET', url: '/v1/auth/me' } as unknown as Request;
}

function contextFor(headers: Record<string, string>): ExecutionContext {
  const request = requestFor(headers);
  const response = {};
  const http = { getRequest: () => request, getResponse: () => response, getNext: () => undefined };
  return {
    getType: () => 'http',
    getHandler: () => AuthController.prototype.me,
    getClass: () => AuthController,
    switchToHttp: () => http,
  } as unknown as ExecutionContext;
}

function medianMicros(guard: CanActivate, headers: Record<string, string>): Promise<number> {
  const ctx = contextFor(headers);
  return medianOf(() => guard.canActivate(ctx));
}

async function medianOf(call: () => unknown): Promise<number> {
  for (let i = 0; i < iterations; i++) await call();
  const perCall: number[] = [];
  for (let b = 0; b < batches; b++) {
    // CPU time of this process, not wall time: other processes on a shared machine inflate the latter.
    const start = process.cpuUsage();
    for (let i = 0; i < iterations; i++) await call();
    const used = process.cpuUsage(start);
    perCall.push((used.user + used.system) / iterations);
  }
  perCall.sort((x, y) => x - y);
  return perCall[Math.floor(perCall.length / 2)];
}

/** Passport's own cost: one authenticate() round trip through a strategy that accepts at once. */
function passportRoundTrip(): () => Promise<unknown> {
  const passport = new Authenticator();
  const principal = { kind: 'user' };
  passport.use('noop', new Strategy((_request, done) => done(null, principal)));
  const request = requestFor({});
  const response = {};
  return () =>
    new Promise((resolve, reject) => {
      passport.authenticate('noop', { session: false }, (error: unknown, user: unknown) =>
        error ? reject(error) : resolve(user),
      )(request, response, reject);
    });
}

type Validating = { validate(request: Request): unknown };

/** The app's passport strategies, when this version has them. */
function strategiesOf(app: {
  get(token: unknown): unknown;
}): { jwt: Validating; apiKey: Validating } | undefined {
  const names = auth as unknown as Record<string, unknown>;
  if (!names.JwtStrategy || !names.API_KEY_STRATEGY_PROVIDER) return undefined;
  return {
    jwt: app.get(names.JwtStrategy) as Validating,
    apiKey: app.get(names.API_KEY_STRATEGY_PROVIDER) as Validating,
  };
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
  // No background revocation poll or cache expiry during the measurement: only the calls may reach the
  // database.
  const t = await createTestApp({
    skipContractCheck: true,
    env: { AUTH_REVOCATIONS_POLL_SECONDS: '300', API_KEY_CACHE_TTL_SECONDS: '300' },
  });
  try {
    const user = await createUser(t, { role: 'member' });
    const key = await createApiKey(t, { scopes: ['members:read'] });
    const guard = globalGuard(t.app as unknown as { container: NestContainer });
    // The first key check fills the cache (and queues the once-a-minute lastUsedAt write); every later
    // one must be CPU only.
    await guard.canActivate(contextFor(key.authHeader));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const queriesBefore = t.queryCount();
    const startedAt = Date.now();
    const result: Record<string, number> = { iterations, batches };
    const roundTrip = passportRoundTrip();
    for (let round = 0; round < 2; round++) {
      result.passportRoundTripMicros = await medianOf(roundTrip);
      result.jwtMedianMicros = await medianMicros(guard, user.authHeader);
      result.cachedApiKeyMedianMicros = await medianMicros(guard, key.authHeader);
      // With passport strategies: the same checks without passport and the guard, to see what they add.
      const strategies = strategiesOf(t.app);
      if (strategies) {
        result.jwtStrategyAloneMicros = await medianOf(() =>
          strategies.jwt.validate(requestFor(user.authHeader)),
        );
        result.apiKeyStrategyAloneMicros = await medianOf(() =>
          strategies.apiKey.validate(requestFor(key.authHeader)),
        );
      }
    }
    result.queries = t.queryCount() - queriesBefore;
    result.seconds = (Date.now() - startedAt) / 1000;
    for (const name of Object.keys(result)) result[name] = +result[name].toFixed(2);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await t.close();
  }
}

void main();
