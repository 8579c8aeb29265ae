import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { Role, Scope } from '@aero/auth';
import { SessionsService, UsersService } from '@aero/auth';
import { ApiKeysService } from '@aero/api-keys';
import type { TestApp, TestAppOptions } from './test-app';
import { createTestApp } from './test-app';

export interface CreatedUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  /** `{ Authorization: 'Bearer …' }` for `.set(...)`. */
  authHeader: Record<string, string>;
}

export interface CreatedApiKey {
  id: string;
  key: string;
  /** `{ 'X-API-Key': key }` for `.set(...)`. */
  authHeader: Record<string, string>;
}

let sequence = 0;

/** A random password that passes the policy (never a fixed one in the repo). */
export function randomPassword(): string {
  return `pw-${randomBytes(12).toString('base64url')}`;
}

/** Creates a user through the service and signs them in; one line per user in tests. */
export async function createUser(
  t: TestApp,
  opts: { role: Role; memberId?: string; venueIds?: string[]; email?: string; password?: string },
): Promise<CreatedUser> {
  const email = opts.email ?? `${opts.role}-${process.pid}-${++sequence}-${randomBytes(3).toString('hex')}@example.test`;
  const password = opts.password ?? randomPassword();
  const user = await t.app.get(UsersService).create({
    email,
    password,
    roles: [opts.role],
    memberId: opts.memberId ?? null,
    venueIds: opts.venueIds ?? null,
  });
  const tokens = await t.app.get(SessionsService).issueForUserId(user.id);
  return {
    id: user.id,
    email: user.email,
    password,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    authHeader: { Authorization: `Bearer ${tokens.accessToken}` },
  };
}

/** Creates an API key through the service. */
export async function createApiKey(
  t: TestApp,
  opts: {
    scopes: Scope[];
    app?: string;
    venueIds?: string[];
    rateLimitPerMinute?: number;
    monthlyQuota?: number;
    maxOpenHolds?: number;
    name?: string;
  },
): Promise<CreatedApiKey> {
  const created = await t.app.get(ApiKeysService).create(
    {
      name: opts.name ?? `test key ${++sequence}`,
      app: opts.app ?? 'internal',
      scopes: opts.scopes,
      venueIds: opts.venueIds ?? null,
      rateLimitPerMinute: opts.rateLimitPerMinute ?? null,
      monthlyQuota: opts.monthlyQuota ?? null,
      maxOpenHolds: opts.maxOpenHolds ?? null,
    },
    'test',
  );
  return { id: created.id, key: created.key, authHeader: { 'X-API-Key': created.key } };
}

const adminHeaders = new WeakMap<TestApp, Promise<Record<string, string>>>();

/** An admin user's bearer header, created once per TestApp. */
export function adminAuth(t: TestApp): Promise<Record<string, string>> {
  let header = adminHeaders.get(t);
  if (!header) {
    header = createUser(t, { role: 'admin' }).then((admin) => admin.authHeader);
    adminHeaders.set(t, header);
  }
  return header;
}

/** The usual suite fixture: a fresh app (see createTestApp) and an admin's bearer header on it. */
export async function createTestAppWithAdmin(
  options: TestAppOptions = {},
): Promise<{ t: TestApp; admin: Record<string, string> }> {
  const t = await createTestApp(options);
  try {
    return { t, admin: await adminAuth(t) };
  } catch (error) {
    // The caller never gets the app to close.
    await t.close();
    throw error;
  }
}
