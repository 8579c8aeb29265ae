import 'reflect-metadata';
import { AppError } from '@aero/core';
import type { Principal } from '../principal';
import { authorize } from './authorization';

const user = (...roles: Principal['roles']): Principal => ({ kind: 'user', id: 'u', roles, scopes: [] });
const key = (...scopes: Principal['scopes']): Principal => ({ kind: 'apiKey', id: 'k', roles: [], scopes });

function decision(principal: Principal, requirements?: Parameters<typeof authorize>[1]): string {
  try {
    authorize(principal, requirements);
    return 'allow';
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return `${error.status} ${error.problem.slug} ${JSON.stringify(error.extensions)}`;
  }
}

describe('authorize (station 4)', () => {
  it('lets the admin role and the admin scope through everything, even undecorated routes', () => {
    for (const requirements of [undefined, {}, { roles: ['member' as const] }, { scopes: ['usage:read' as const] }]) {
      expect(decision(user('admin'), requirements)).toBe('allow');
      expect(decision(key('admin'), requirements)).toBe('allow');
    }
  });

  it('treats a route without requirements as admin-only (deny by default)', () => {
    expect(decision(user('staff'))).toBe('403 role-required {"requiredRoles":["admin"]}');
    expect(decision(key('members:read'))).toBe('403 scope-missing {"missingScopes":["admin"]}');
  });

  it('lets a user through with any one of the listed roles', () => {
    expect(decision(user('member'), { roles: ['staff', 'member'] })).toBe('allow');
    expect(decision(user('member'), { roles: ['staff'] })).toBe('403 role-required {"requiredRoles":["staff"]}');
  });

  it('refuses users on key-only routes and keys on user-only routes', () => {
    expect(decision(user('staff'), { scopes: ['bookings:read'] })).toBe('403 role-required {"requiredRoles":["admin"]}');
    expect(decision(key('bookings:read'), { roles: ['staff'] })).toBe('403 scope-missing {"missingScopes":["admin"]}');
  });

  it('requires every listed scope of a key and names the missing ones', () => {
    expect(decision(key('members:read', 'members:write'), { scopes: ['members:read', 'members:write'] })).toBe('allow');
    expect(decision(key('members:read'), { scopes: ['members:read', 'members:write'] })).toBe(
      '403 scope-missing {"missingScopes":["members:write"]}',
    );
  });

  it('accepts any key when the route lists no scopes, and no user when it lists no roles', () => {
    expect(decision(key('usage:read'), { scopes: [] })).toBe('allow');
    expect(decision(user('staff'), { roles: [], scopes: [] })).toBe('403 role-required {"requiredRoles":["admin"]}');
  });
});
