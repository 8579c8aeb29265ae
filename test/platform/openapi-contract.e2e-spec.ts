import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BookingsSeedService } from '@aero/bookings';
import type { TestApp } from '@aero/testing';
import { adminAuth, createTestApp } from '@aero/testing';

interface Response {
  description?: string;
  headers?: Record<string, { required?: boolean }>;
  content?: Record<string, { examples?: Record<string, { value: { type: string; status: number } }> }>;
}
interface Operation {
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
  responses: Record<string, Response>;
  'x-required-roles'?: string[];
  'x-required-scopes'?: string[];
}

const doc = JSON.parse(readFileSync(join(__dirname, '../../openapi.json'), 'utf8')) as {
  info: { description: string };
  tags: { name: string; description: string }[];
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

  it('gives every error response its own problem types as examples, never another status\'s', () => {
    for (const { path, method, operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        const where = `${method.toUpperCase()} ${path} ${status}`;
        const examples = Object.values(response.content?.['application/problem+json']?.examples ?? {});
        expect({ where, examples: examples.length > 0 }).toEqual({ where, examples: true });
        expect({ where, statuses: [...new Set(examples.map((e) => e.value.status))] }).toEqual({ where, statuses: [Number(status)] });
      }
    }
    const conflicts = doc.paths['/v1/bookings'].post.responses['409'].content?.['application/problem+json']?.examples ?? {};
    expect(Object.values(conflicts).map((e) => e.value.type)).toEqual(
      expect.arrayContaining(['/problems/session-full', '/problems/session-over', '/problems/session-cancelled']),
    );
  });

  it('documents limit and cursor on every list, 503 with Retry-After on every /v1 operation, 429 with its headers', () => {
    const lists = operations.filter((o) => o.method === 'get' && '200' in o.operation.responses && JSON.stringify(o.operation.responses['200']).includes('Page'));
    expect(lists.map((o) => o.path).sort()).toEqual(['/v1/api-keys', '/v1/bookings', '/v1/events', '/v1/members', '/v1/sessions', '/v1/users', '/v1/venues', '/v1/webhook-endpoints', '/v1/webhook-endpoints/{id}/deliveries']);
    for (const { path, operation } of lists) {
      // The events feed continues from `after` (a cursor it always returns), as feeds do.
      const paging = path === '/v1/events' ? ['limit', 'after'] : ['limit', 'cursor'];
      expect({ path, params: operation.parameters?.map((p) => p.name) }).toEqual({ path, params: expect.arrayContaining(paging) });
    }
    for (const { path, method, operation } of operations.filter((o) => o.path.startsWith('/v1/'))) {
      const where = `${method.toUpperCase()} ${path}`;
      expect({ where, retryAfter: Object.keys(operation.responses['503']?.headers ?? {}) }).toEqual({ where, retryAfter: ['Retry-After'] });
      expect({ where, rateLimit: Object.keys(operation.responses['429']?.headers ?? {}) }).toEqual({
        where,
        rateLimit: expect.arrayContaining(['Retry-After', 'RateLimit', 'X-RateLimit-Remaining']),
      });
      if (['post', 'put', 'patch', 'delete'].includes(method)) {
        expect({ where, has415: '415' in operation.responses }).toEqual({ where, has415: true });
      }
    }
  });

  it('describes every success, with Location on each 201, and says how to get credentials', () => {
    for (const { path, method, operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) >= 300) continue;
        const where = `${method.toUpperCase()} ${path} ${status}`;
        expect({ where, described: (response.description ?? '').length > 3 }).toEqual({ where, described: true });
        if (status === '201') expect({ where, location: response.headers?.Location?.required }).toEqual({ where, location: true });
      }
    }
    expect(doc.info.description).toContain('api-keys:create');
    expect(doc.info.description).toContain('POST /v1/auth/login');
    expect(doc.tags.map((tag) => tag.name)).toEqual(['auth', 'api-keys', 'venues', 'sessions', 'members', 'bookings', 'users', 'usage', 'events', 'webhooks', 'platform']);
  });

  it('finds seed members with the pre-filled search of GET /v1/members', async () => {
    const search = (doc.paths['/v1/members'].get.parameters as { name: string; example?: string }[]).find((p) => p.name === 'search');
    await t.app.get(BookingsSeedService).seed();
    const res = await t.http.get('/v1/members').query({ search: search?.example }).set(await adminAuth(t)).expect(200);
    expect(res.body.data.length).toBeGreaterThan(0);
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
