import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestApp } from '@aero/testing';
import { createTestApp } from '@aero/testing';

interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
  'x-required-roles'?: string[];
  'x-required-scopes'?: string[];
}

const doc = JSON.parse(readFileSync(join(__dirname, '../../openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
};
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
);
const secured = operations.filter((o) => (o.operation.security ?? []).length > 0);
const open = operations.filter((o) => (o.operation.security ?? []).length === 0);
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');

// The document and the guard read the same decorator; these tests prove they agree for every route.
describe('OpenAPI document vs. enforcement (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('documents the exact schemes, who may call, and 401/403 on every secured operation', () => {
    expect(secured.length).toBeGreaterThan(20);
    const userOnly = ['GET /v1/users/me', 'POST /v1/auth/password'];
    for (const { path, method, operation } of secured) {
      const where = `${method.toUpperCase()} ${path}`;
      const keys = !userOnly.includes(where);
      expect({ where, schemes: operation.security?.flatMap((s) => Object.keys(s)).sort() }).toEqual({
        where,
        schemes: keys ? ['api-key', 'bearer'] : ['bearer'],
      });
      expect({ where, roles: Array.isArray(operation['x-required-roles']) }).toEqual({ where, roles: true });
      expect({ where, scopes: Array.isArray(operation['x-required-scopes']) }).toEqual({ where, scopes: keys });
      expect({ where, has401: '401' in operation.responses, has403: '403' in operation.responses }).toEqual({
        where,
        has401: true,
        has403: true,
      });
    }
  });

  it.each(secured.map((o) => [`${o.method.toUpperCase()} ${o.path}`, o] as const))(
    '%s refuses an anonymous caller with 401',
    async (_name, { path, method }) => {
      const call = t.http[method as 'get'](concrete(path));
      const res = method === 'get' || method === 'delete' ? await call : await call.send({});
      expect(res.status).toBe(401);
    },
  );

  it.each(open.map((o) => [`${o.method.toUpperCase()} ${o.path}`, o] as const))(
    '%s is documented as public and really needs no credentials',
    async (_name, { path, method }) => {
      const call = t.http[method as 'get'](concrete(path));
      const res = method === 'get' || method === 'delete' ? await call : await call.send({});
      expect(res.status).not.toBe(401);
      expect(res.status).not.toBe(403);
    },
  );
});
