import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';

/** The part of an OpenAPI schema object the generators read. */
export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  pattern?: string;
  example?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  nullable?: boolean;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
}

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: Schema;
}

export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  template: string;
  parameters: Parameter[];
  body?: Schema;
  /** Whether the operation needs credentials. */
  secured: boolean;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> }; security?: unknown[] }>>;
  components: { schemas: Record<string, Schema> };
}

export const openApi = JSON.parse(readFileSync(join(__dirname, '../../openapi.json'), 'utf8')) as OpenApiDocument;

export function resolve(schema: Schema): Schema {
  return schema.$ref ? resolve(openApi.components.schemas[schema.$ref.replace('#/components/schemas/', '')]) : schema;
}

/** Every operation of the committed document. */
export function operations(): Operation[] {
  return Object.entries(openApi.paths).flatMap(([template, item]) =>
    Object.entries(item).map(([method, op]) => ({
      method: method as Operation['method'],
      template,
      parameters: op.parameters ?? [],
      body: op.requestBody ? resolve(op.requestBody.content['application/json'].schema) : undefined,
      secured: (op.security ?? []).length > 0,
    })),
  );
}

/** Ids of rows the generated requests may address (and change), by kind. */
export interface IdPools {
  venues: string[];
  sessions: string[];
  members: string[];
  bookings: string[];
  holds: string[];
  users: string[];
  apiKeys: string[];
  problemSlugs: string[];
}

/** Marks a key a body must carry literally (e.g. `__proto__`), which object literals cannot express. */
export function objectWith(entries: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) Object.defineProperty(out, key, { value, enumerable: true, configurable: true, writable: true });
  return out;
}

const LONE_HIGH = '\ud800';
const LONE_LOW = '\udc00';

/** Strings a database or a validator may choke on. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'a\u0000b',
    '\u0000',
    `x${LONE_HIGH}y`,
    `${LONE_LOW}@example.com`,
    `user${LONE_HIGH}@example.com`,
    'Zoë 🦘 李 مرحبا עברית',
    'e\u0301\u0301\u0301',
    '\u202e\u202dRTL',
    '\ufeffBOM',
    '\u2028\u2029',
    "'; DROP TABLE members; --",
    '%00',
    '../../etc/passwd',
    '2027-02-30',
    '9999-12-31',
    '0001-01-01',
    '2027-02-30T10:00:00Z',
    '9999-12-31T23:59:59Z',
    '0001-01-01T00:00:00Z',
    '+275760-09-13T00:00:00Z',
    '2026-03-08T24:00:00Z',
    '2026-W10',
    'NaN',
    'Infinity',
    '1e308',
    '-0',
    'true',
    'null',
    '00000000-0000-0000-0000-00000000000g',
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    '8E1D2B7C-4D0A-4F43-9A59-2F1E6C3B9D01',
    ' 8e1d2b7c-4d0a-4f43-9a59-2f1e6c3b9d01',
    '{"s":"x","id":"y"}',
    'eyJzIjoiOTk5OS0xMi0zMVQwMDowMDowMC4wMDBaIiwiaWQiOiJ4In0',
    'eyJfX3Byb3RvX18iOnsiaWQiOjF9fQ',
  ),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer({ min: 101, max: 6000 }).map((n) => 'x'.repeat(n)),
);

/** Values of the wrong type, or at the edges of numbers. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(null, true, false, 0, -1, 1.5, -0, 1e308, -1e308, 2 ** 53 + 2, 2 ** 31, -(2 ** 31) - 1, [], {}, [null], [[[]]], { a: 1 }),
  fc.double(),
  fc.integer(),
  fc.constant(null).map(() => nested(40)),
  fc.constantFrom('__proto__', 'constructor', 'prototype').map((key) => objectWith([[key, { id: 1 }]])),
);

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

const isoDay = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/** A value that fits the schema (the pool's ids where the field names a kind of row). */
export function validValue(schema: Schema, field: string, pools: IdPools): fc.Arbitrary<unknown> {
  const s = resolve(schema);
  const plain = plainValue(s, field, pools);
  return s.nullable ? fc.oneof({ weight: 4, arbitrary: plain }, { weight: 1, arbitrary: fc.constant(null) }) : plain;
}

function poolFor(field: string, pools: IdPools): string[] | undefined {
  if (/^venueIds?$/.test(field)) return pools.venues;
  if (field === 'sessionId') return pools.sessions;
  if (/^(memberId|guardianId|signedByMemberId)$/.test(field)) return pools.members;
  if (field === 'holdId') return pools.holds;
  return undefined;
}

function plainValue(s: Schema, field: string, pools: IdPools): fc.Arbitrary<unknown> {
  if (s.enum) return fc.constantFrom(...s.enum);
  switch (s.type) {
    case 'integer':
    case 'number':
      return fc.integer({ min: s.minimum ?? -1000, max: Math.min(s.maximum ?? 1_000_000, 1_000_000) });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const items = s.items ? resolve(s.items) : { type: 'string' };
      return fc.uniqueArray(plainValue(items, field, pools), { minLength: s.minItems ?? 0, maxLength: 3 });
    }
    case 'object':
      return validObject(s, pools);
    default:
      return stringValue(s, field, pools);
  }
}

function stringValue(s: Schema, field: string, pools: IdPools): fc.Arbitrary<unknown> {
  const pool = poolFor(field, pools);
  if (s.format === 'uuid' || pool) {
    return pool && pool.length > 0 ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary: fc.uuid() }) : fc.uuid();
  }
  if (s.format === 'date') return fc.integer({ min: -40 * 365, max: 400 }).map(isoDay);
  if (s.format === 'date-time') {
    return fc
      .integer({ min: -30 * 24, max: 120 * 24 })
      .map((hours) => new Date(Math.floor(Date.now() / 3_600_000 + hours) * 3_600_000).toISOString());
  }
  if (s.format === 'email' || /email/i.test(field)) return fc.emailAddress();
  if (/password/i.test(field)) return fc.string({ minLength: 8, maxLength: 40 }).map((p) => `Pw-${p}-9`);
  if (field === 'timeZone') return fc.constantFrom('America/Toronto', 'Europe/London', 'Asia/Kolkata', 'UTC', 'Mars/Olympus');
  if (field === 'phone') return fc.constantFrom('+1 416-555-0134', '(416) 555 0199', '12345', `+${'1'.repeat(31)}`, `+${'1'.repeat(32)}`);
  if (s.pattern && s.example !== undefined) {
    return fc.oneof(fc.constant(s.example), fc.stringMatching(new RegExp(s.pattern)));
  }
  if (s.maxLength !== undefined) {
    // At the column's edge, in characters that take several bytes too.
    const edge = fc.constantFrom('x'.repeat(s.maxLength), 'é'.repeat(s.maxLength), '🦘'.repeat(Math.ceil(s.maxLength / 2)), 'x'.repeat(s.maxLength + 1));
    const usual = fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength, 30) });
    return fc.oneof({ weight: 4, arbitrary: s.example !== undefined ? fc.oneof(fc.constant(s.example), usual) : usual }, { weight: 1, arbitrary: edge });
  }
  if (s.example !== undefined && typeof s.example === 'string') {
    return fc.oneof(fc.constant(s.example), fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 30, 30) }));
  }
  return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 30, 30) });
}

function validObject(s: Schema, pools: IdPools): fc.Arbitrary<Record<string, unknown>> {
  const properties = s.properties ?? {};
  const model = Object.fromEntries(Object.entries(properties).map(([name, p]) => [name, validValue(p, name, pools)]));
  return fc.record(model, { requiredKeys: s.required ?? [] }) as fc.Arbitrary<Record<string, unknown>>;
}

/** A request body: mostly the schema's shape, with one field (or the whole) made hostile. */
export function bodyArbitrary(schema: Schema, pools: IdPools): fc.Arbitrary<unknown> {
  const fields = Object.keys(schema.properties ?? {});
  const valid = validObject(schema, pools);
  const anyField = fields.length > 0 ? fc.constantFrom(...fields) : fc.constant('name');
  return fc.oneof(
    { weight: 3, arbitrary: valid },
    {
      weight: 6,
      arbitrary: fc.tuple(valid, anyField, hostileValue).map(([body, field, value]) => ({ ...body, [field]: value })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(valid, fc.constantFrom('__proto__', 'constructor', 'prototype', 'isAdmin', 'role', 'id'), hostileValue)
        .map(([body, key, value]) => objectWith([...Object.entries(body), [key, value]])),
    },
    { weight: 1, arbitrary: hostileValue },
  );
}

/** Raw bodies no generator of values produces: structure attacks and broken JSON. */
export const rawBody: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 33, max: 45_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.integer({ min: 33, max: 2000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
  fc.integer({ min: 10_001, max: 20_000 }).map((n) => `[${'0,'.repeat(n)}0]`),
  fc.constantFrom('{"name": ', '{', '[', 'null', '"string"', '123', 'true', '{"a":1}{"b":2}', '{"a":"\\ud800"}', '{"a":"\\u0000"}', '\ufeff{}', '{"__proto__":{"isAdmin":true}}'),
);

/** A path parameter: a pool id, a random UUID, or something that is not a UUID at all (already URL-encoded). */
export function pathValue(name: string, template: string, pools: IdPools): fc.Arbitrary<string> {
  const pool = name === 'slug' ? pools.problemSlugs : idPoolForPath(template, pools);
  const good = pool.length > 0 ? fc.constantFrom(...pool) : fc.uuid();
  return fc.oneof(
    { weight: 6, arbitrary: good },
    { weight: 1, arbitrary: fc.uuid() },
    {
      weight: 3,
      arbitrary: fc.oneof(
        fc.constantFrom('%00', '%ED%A0%80', '%FF', '%', 'me', '..', '%2E%2E', 'null', 'undefined', '0', '-1', 'x'.repeat(2000), '%20', '__proto__'),
        fc.string({ minLength: 1, maxLength: 40 }).map((v) => encodeURIComponent(v.replace(/[\ud800-\udfff]/g, '')) || 'x'),
      ),
    },
  );
}

function idPoolForPath(template: string, pools: IdPools): string[] {
  const kind = template.split('/')[2];
  const byKind: Record<string, string[]> = {
    venues: pools.venues,
    sessions: pools.sessions,
    members: pools.members,
    bookings: pools.bookings,
    holds: pools.holds,
    users: pools.users,
    'api-keys': pools.apiKeys,
  };
  return byKind[kind] ?? [];
}

const encode = (value: string): string => {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80'; // a lone surrogate has no UTF-8 form; send the bytes a careless client would
  }
};

/** A query string from the documented parameters, plus the paging ones and hostile extras. */
export function queryArbitrary(op: Operation, pools: IdPools): fc.Arbitrary<string> {
  const params = op.parameters.filter((p) => p.in === 'query');
  const isList = op.method === 'get' && !op.template.includes('{') && op.template.startsWith('/v1/') && !op.template.endsWith('/me');
  const entries = params.map((p) =>
    fc.option(
      fc.oneof(
        { weight: 3, arbitrary: validValue(p.schema, p.name, pools).map((v) => `${p.name}=${encode(String(v))}`) },
        { weight: 2, arbitrary: hostileString.map((v) => `${p.name}=${encode(v)}`) },
        { weight: 1, arbitrary: fc.constantFrom('%00', '%ED%A0%80', '%FF', '', '1&' + p.name + '=2').map((v) => `${p.name}=${v}`) },
      ),
      { freq: p.required ? 8 : 2 },
    ),
  );
  const paging = isList
    ? [
        fc.option(fc.oneof(fc.integer({ min: -5, max: 150 }).map(String), hostileString.map(encode)).map((v) => `limit=${v}`), { freq: 2 }),
        fc.option(hostileString.map((v) => `cursor=${encode(v)}`), { freq: 4 }),
      ]
    : [];
  const extras = fc.option(
    fc.constantFrom('__proto__=x', 'constructor=1', 'prototype[a]=1', 'unknown=1', 'a[b][c]=1', 'limit=1&limit=2'),
    { freq: 4 },
  );
  return fc.tuple(...entries, ...paging, extras).map((parts) => parts.filter((p): p is string => p !== null).join('&'));
}
