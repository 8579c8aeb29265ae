import 'reflect-metadata';
import type { ExecutionContext } from '@nestjs/common';
import { Controller, Get } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import type { PassportStatic } from 'passport';
import { Strategy } from 'passport-custom';
import { Reflector } from '@nestjs/core';
import type { AppConfig } from '@aero/core';
import { AppError, BroadcastService, Public } from '@aero/core';
import { Authenticated } from '../authenticated.decorator';
import type { Principal } from '../principal';
import { SessionRevocations } from '../sessions/session-revocations';
import type { SessionRevocationsRepository } from '../sessions/session-revocations.repository';
import { TokenService } from '../tokens/token.service';
import { JwtStrategy } from '../strategies/jwt.strategy';
import { API_KEY_STRATEGY, UNSHARED_REGISTRY } from '../strategies/strategy-names';
import { AuthenticationGuard } from './authentication.guard';

const config = {
  jwt: { signingKey: 'guard-spec-signing-key-0123456789abcdef', issuer: 'i', audience: 'a', accessTtlSeconds: 900, verifiedCacheSize: 100 },
} as AppConfig;

@Controller()
class Routes {
  @Public()
  @Get()
  open(): void {}

  @Get()
  undecorated(): void {}

  @Authenticated({ roles: ['staff'], scopes: ['members:read'] })
  @Get()
  staffOrReader(): void {}
}

const keyPrincipal: Principal = { kind: 'apiKey', id: 'k1', roles: [], scopes: ['members:read'], app: 'kiosk' };

function context(handler: keyof Routes, headers: Record<string, string>): { ctx: ExecutionContext; request: { headers: Record<string, string>; principal?: Principal } } {
  const request = { headers };
  const ctx = {
    getType: () => 'http',
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}) }),
  } as unknown as ExecutionContext;
  return { ctx, request };
}

describe('AuthenticationGuard', () => {
  const tokens = new TokenService(config);
  const rows = { insert: async () => undefined } as unknown as SessionRevocationsRepository;
  const revocations = new SessionRevocations(config, new BroadcastService(config), rows);
  const verified: string[] = [];
  /** Stands in for libs/api-keys' strategy: accepts any key. */
  class AnyKeyStrategy extends PassportStrategy(Strategy, API_KEY_STRATEGY) {
    getPassportInstance(): PassportStatic {
      return UNSHARED_REGISTRY;
    }
    async validate(request: Request): Promise<Principal> {
      verified.push(String(request.headers['x-api-key']));
      return keyPrincipal;
    }
  }
  const guard = new AuthenticationGuard(new Reflector(), revocations, new JwtStrategy(tokens, revocations, config), new AnyKeyStrategy());
  const staffToken = tokens.signAccessToken({ userId: 'u1', sessionId: 's1', roles: ['staff'], email: 's@example.test' });

  async function outcome(handler: keyof Routes, headers: Record<string, string>): Promise<string> {
    const { ctx, request } = context(handler, headers);
    try {
      await guard.canActivate(ctx);
      return `allow ${request.principal?.kind ?? 'anonymous'}`;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return `${error.status} ${error.problem.slug}`;
    }
  }

  it('lets public routes through without looking at credentials', async () => {
    expect(await outcome('open', {})).toBe('allow anonymous');
    expect(await outcome('open', { authorization: 'Bearer junk', 'x-api-key': 'junk' })).toBe('allow anonymous');
  });

  it('requires a credential everywhere else, and refuses both at once', async () => {
    expect(await outcome('staffOrReader', {})).toBe('401 unauthenticated');
    expect(await outcome('staffOrReader', { authorization: `Bearer ${staffToken}`, 'x-api-key': 'aero_x' })).toBe(
      '400 ambiguous-credentials',
    );
  });

  it('turns a bearer token into a user principal and an API key into a key principal', async () => {
    expect(await outcome('staffOrReader', { authorization: `Bearer ${staffToken}` })).toBe('allow user');
    expect(await outcome('staffOrReader', { authorization: `bearer ${staffToken}` })).toBe('allow user');
    expect(await outcome('staffOrReader', { 'x-api-key': 'aero_presented' })).toBe('allow apiKey');
    expect(verified).toContain('aero_presented');
  });

  it('refuses other schemes and tokens of ended sessions', async () => {
    expect(await outcome('staffOrReader', { authorization: 'Basic dXNlcjpwYXNz' })).toBe('401 invalid-token');
    const ended = tokens.signAccessToken({ userId: 'u2', sessionId: 's-ended', roles: ['staff'], email: 'e@example.test' });
    await revocations.end('u2', ['s-ended']);
    expect(await outcome('staffOrReader', { authorization: `Bearer ${ended}` })).toBe('401 session-ended');
  });

  it('treats an undecorated route as admin-only', async () => {
    expect(await outcome('undecorated', { authorization: `Bearer ${staffToken}` })).toBe('403 role-required');
    expect(await outcome('undecorated', { 'x-api-key': 'aero_presented' })).toBe('403 scope-missing');
    const admin = tokens.signAccessToken({ userId: 'u3', sessionId: 's3', roles: ['admin'], email: 'a@example.test' });
    expect(await outcome('undecorated', { authorization: `Bearer ${admin}` })).toBe('allow user');
  });

  it('refuses API keys when no API-key strategy is registered', async () => {
    const jwtOnly = new AuthenticationGuard(new Reflector(), revocations, new JwtStrategy(tokens, revocations, config));
    const { ctx } = context('staffOrReader', { 'x-api-key': 'aero_presented' });
    await expect(jwtOnly.canActivate(ctx)).rejects.toMatchObject({ status: 401, detail: 'API keys are not accepted by this server.' });
  });
});
