import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { OperationObject, ParameterObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { ProblemTypeDefinition } from '@aero/core';
import {
  CoreProblems,
  documentRateLimits,
  mergeProblemResponses,
  PROBLEM_CONTENT_TYPE,
  problemResponse,
  RateLimitProblems,
  problemTypes,
  ProblemDto,
  ValidationProblemDto,
} from '@aero/core';
import { documentEvents } from '@aero/events';
import { API_VERSION } from './version';

export const BEARER_SCHEME = 'bearer';
export const API_KEY_SCHEME = 'api-key';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;
const WITH_BODY = new Set(['post', 'put', 'patch', 'delete']);

/** Tags in the order an integrator meets them, which is the order Swagger UI shows them in. */
const TAGS: [string, string][] = [
  ['auth', 'Start here: sign in for a user token, refresh it, sign out; `GET /v1/auth/me` says who you are'],
  ['api-keys', 'Application API keys (admin): create one per app, rotate, revoke'],
  ['venues', 'Parks, each with its IANA time zone: the first thing to look up'],
  ['sessions', 'Bookable time slots with capacity; `GET /v1/sessions` is the availability query'],
  ['members', 'Guests: profiles, dependants, waivers, membership'],
  ['bookings', 'Hold places during checkout, book them, cancel, check in at the front desk'],
  ['users', 'Staff and admin accounts (admin), and your own account'],
  ['usage', 'Who uses the API: per-key and per-user usage, the platform summary and anomaly flags'],
  ['events', 'Every change in commit order: the events feed (`GET /v1/events`) apps and partners catch up from'],
  ['webhooks', 'Webhook endpoints: every event POSTed to your URL, signed (Standard Webhooks), retried for 72 h'],
  ['platform', 'Health probes, metrics and the problem-type catalogue (no credentials)'],
];

const INTRO = [
  'The one backend every AeroSports app uses: booking web and mobile, front desk, kiosks, partners.',
  '',
  '## Getting credentials',
  '',
  '- **An API key** (`X-API-Key: aero_…`) identifies an application. An admin creates one, with the scopes',
  '  the app needs, with `aero api-keys:create --name "Lobby kiosk" --app kiosk --scopes',
  '  members:read,bookings:read,bookings:write,venues:read` or `POST /v1/api-keys`; the key is shown once.',
  '  On a local install, `aero db:seed` prints a demo kiosk key.',
  '- **A user token** (`Authorization: Bearer …`) identifies a person (admin, staff or member). An admin',
  '  creates the account (`aero users:create --email … --role staff` or `POST /v1/users`); the user',
  '  signs in with `POST /v1/auth/login` and sends the `accessToken`; `POST /v1/auth/refresh` renews it.',
  '',
  'In this page, **Authorize** takes either. Sending both at once is rejected as ambiguous (400).',
  "Each operation says who may call it; `/v1/users/me` and `/v1/auth/password` take user tokens only.",
  '',
  '## Conventions',
  '',
  '- Lists take `limit` (1–100) and `cursor`; pass a page\'s `nextCursor` as `cursor` for the next page.',
  '- `201 Created` carries `Location`; single resources carry an `ETag`; send it back as `If-None-Match`',
  '  (→ `304`) or, where documented, `If-Match` (→ `412` when someone changed it meanwhile).',
  '- Every error is `application/problem+json` (RFC 9457) with a `requestId`; problem `type`s are',
  '  described under `/problems`. Send `X-Request-Id` to correlate your logs with ours.',
  '- `429` and `503` carry `Retry-After`: wait that long, then retry (with an `Idempotency-Key` on writes).',
  '- Deprecated operations send `Deprecation` and `Sunset` headers and a `Link` to the migration notes.',
  '- Responses carry `Cache-Control: no-store` (tokens and personal data are never cached) unless an',
  '  operation documents otherwise.',
].join('\n');

/**
 * The OpenAPI document, from decorators and the Swagger CLI plugin, plus what every operation shares
 * (the errors the pipeline can answer with, ETag/Location headers, conditional requests, descriptions).
 * Keys are sorted so the committed `openapi.json` diffs cleanly.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('AeroSports Core API')
    .setDescription(INTRO)
    .setVersion(API_VERSION)
    .addServer('/', 'This deployment');
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const config = builder
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'User access token from POST /v1/auth/login' },
      BEARER_SCHEME,
    )
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'Application API key (aero_…), from an admin' },
      API_KEY_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ProblemDto, ValidationProblemDto],
    operationIdFactory: (controllerKey, methodKey) =>
      `${controllerKey.replace(/Controller$/, '').replace(/^./, (c) => c.toLowerCase())}_${methodKey}`,
  });
  for (const [path, method, operation] of operations(document)) {
    exactSecurity(operation);
    addSharedResponses(document, path, method, operation);
    describeSuccess(operation);
    describeAccess(operation);
    describeDeprecation(operation);
  }
  documentRateLimits(document);
  documentEvents(document);
  return sortKeys(document);
}

type Operation = OperationObject & Record<string, unknown>;
type Responses = Record<string, Record<string, unknown>>;

function operations(document: OpenAPIObject): [string, string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m): [string, string, Operation] => [path, m, item[m] as Operation]),
  );
}

/** Problem types by slug (features register theirs at import time); unknown slugs are skipped. */
function types(...slugs: string[]): ProblemTypeDefinition[] {
  const all = new Map(problemTypes().map((p) => [p.slug, p]));
  return slugs.map((slug) => all.get(slug)).filter((p): p is ProblemTypeDefinition => Boolean(p));
}

function hasScheme(operation: Operation, scheme: string): boolean {
  return (operation.security ?? []).some((entry) => scheme in entry);
}

/** One entry per scheme, and no API-key scheme on user-only operations (`apiKeys: false`). */
function exactSecurity(operation: Operation): void {
  if (!operation.security) return;
  const userOnly = operation['x-api-keys'] === false;
  operation.security = operation.security.filter(
    (entry, i, all) =>
      !(userOnly && API_KEY_SCHEME in entry) &&
      all.findIndex((other) => JSON.stringify(other) === JSON.stringify(entry)) === i,
  );
  if (userOnly) delete operation['x-required-scopes'];
}

/**
 * The responses the pipeline can give on any operation, whatever its controller says: malformed input,
 * credentials, body limits, rate limits, an unavailable database, a crash. Each lists the problem types
 * that can occur as examples; `instance` and the invalid field in the examples fit the operation.
 */
function addSharedResponses(document: OpenAPIObject, path: string, method: string, operation: Operation): void {
  const responses = operation.responses as unknown as Responses;
  const secured = (operation.security ?? []).length > 0;
  const keys = hasScheme(operation, API_KEY_SCHEME);
  const params = (operation.parameters ?? []) as ParameterObject[];
  const shared = new Map<number, ProblemTypeDefinition[]>();
  const add = (status: number, ...problems: ProblemTypeDefinition[]): void => {
    shared.set(status, [...(shared.get(status) ?? []), ...problems]);
  };
  const v1 = path.startsWith('/v1/');
  const touchesDatabase = v1 || path === '/health/ready';

  if (params.length > 0 || operation.requestBody) add(400, CoreProblems.validation);
  if (WITH_BODY.has(method)) add(400, CoreProblems.malformedJson, CoreProblems.jsonTooComplex);
  // A path, query or body that is not valid (percent-encoded) UTF-8; a malformed header is a plain bad request.
  add(400, CoreProblems.invalidEncoding, CoreProblems.badRequest);
  // Refused by the HTTP parser before any route: headers over 16 kB (a long query string), too slow a client.
  add(431, CoreProblems.headersTooLarge);
  add(408, CoreProblems.requestIncomplete);
  if (WITH_BODY.has(method)) {
    add(413, CoreProblems.payloadTooLarge);
    add(415, CoreProblems.unsupportedMediaType);
  }
  if (secured) {
    add(400, ...types('ambiguous-credentials'));
    // A presented key is verified before the route's requirements are read, so key failures can occur anywhere.
    add(
      401,
      CoreProblems.unauthenticated,
      ...types('invalid-token', 'token-expired', 'session-ended'),
      ...types('api-key-invalid', 'api-key-revoked', 'api-key-expired', 'api-key-disabled', 'api-key-rotated'),
    );
    add(403, ...types('role-required'), ...(keys ? types('scope-missing') : types('user-required')));
  }
  // Every /v1 operation counts against the caller's rate limit (and a key's monthly quota); failed
  // credentials count against the client IP's own budget.
  if (v1) add(429, RateLimitProblems.rateLimited, RateLimitProblems.quotaExceeded);
  // Lists price their page size (and range): a key with a small own limit may ask for more than it can ever spend.
  if (v1 && params.some((param) => param.in === 'query' && param.name === 'limit')) add(422, RateLimitProblems.costExceedsLimit);
  if (touchesDatabase) add(503, CoreProblems.databaseUnavailable);
  add(503, CoreProblems.timeout);
  // Probes keep answering while an instance shuts down; everything else is refused once its drain delay is over.
  if (!path.startsWith('/health/') && path !== '/metrics') add(503, CoreProblems.serviceDraining);
  add(500, CoreProblems.internal);

  // The operation's own problem types come first, then what the pipeline adds.
  for (const [status, problems] of shared) {
    responses[status] = mergeProblemResponses(responses[status] ?? problemResponse(status, []), problemResponse(status, problems));
    responses[status].description = problemResponse(status, []).description;
  }
  const field = firstField(document, operation, params);
  for (const [status, response] of Object.entries(responses)) {
    if (Number(status) < 400) continue;
    const media = (response.content as Record<string, { examples?: Record<string, { value: Record<string, unknown> }> }>)?.[
      PROBLEM_CONTENT_TYPE
    ];
    for (const example of Object.values(media?.examples ?? {})) {
      example.value = { ...example.value, instance: examplePath(path, params) };
      if (Array.isArray(example.value.errors) && field) {
        example.value.errors = [{ field, message: `${field} is invalid` }];
        example.value.detail = `${field}: ${field} is invalid`;
      }
    }
  }
  if (method === 'get' && responses['200']) {
    responses['304'] = {
      description: 'Not modified: the `If-None-Match` ETag is still current (no body)',
      headers: { ETag: etagHeader() },
    };
    if (!params.some((p) => p.name === 'If-None-Match')) {
      params.push({
        name: 'If-None-Match',
        in: 'header',
        required: false,
        description: 'The `ETag` of the copy you have; `304 Not Modified` when it is still current',
        schema: { type: 'string' },
      });
      operation.parameters = params;
    }
  }
}

function etagHeader(): Record<string, unknown> {
  return {
    description:
      'Version of this representation: weak (`W/"…"`) from the stored version or last update where the resource ' +
      'has one, otherwise a hash of the body; send it as `If-None-Match` (or `If-Match` where documented)',
    schema: { type: 'string', example: 'W/"3"' },
  };
}

/** The field an invalid-input example names: the first parameter, or else the first body property. */
function firstField(document: OpenAPIObject, operation: Operation, params: ParameterObject[]): string | undefined {
  const query = params.find((p) => p.in === 'query' || p.in === 'path');
  if (query) return query.name;
  const body = operation.requestBody as { content?: Record<string, { schema?: { $ref?: string } }> } | undefined;
  const ref = body?.content?.['application/json']?.schema?.$ref;
  const schema = ref ? (document.components?.schemas?.[ref.split('/').pop() ?? ''] as { properties?: object }) : undefined;
  return schema?.properties ? Object.keys(schema.properties)[0] : undefined;
}

function examplePath(path: string, params: ParameterObject[]): string {
  return path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const param = params.find((p) => p.name === name);
    const example = param?.example ?? (param?.schema as { example?: unknown } | undefined)?.example;
    return example === undefined ? `{${name}}` : String(example);
  });
}

/** Success responses say what they carry, and the headers that come with them. */
function describeSuccess(operation: Operation): void {
  const responses = operation.responses as unknown as Responses;
  for (const [status, response] of Object.entries(responses)) {
    const code = Number(status);
    if (code < 200 || code >= 300) continue;
    const schemaRef = ((response.content as Record<string, { schema?: { $ref?: string } }> | undefined)?.['application/json']?.schema?.$ref ?? '')
      .split('/')
      .pop();
    if (!response.description) response.description = successDescription(code, schemaRef);
    if (code === 204) continue;
    const headers = (response.headers ?? {}) as Record<string, unknown>;
    if (response.content) headers.ETag ??= etagHeader();
    if (code === 201) {
      headers.Location = {
        description: 'Where the created resource can be read',
        required: true,
        schema: { type: 'string', example: '/v1/bookings/2c4e6a8b-0d1f-4a3c-9e5b-7d9f1a3c5e7b' },
      };
    }
    if (operation.deprecated) Object.assign(headers, DEPRECATION_HEADERS);
    response.headers = headers;
  }
}

const DEPRECATION_HEADERS = {
  Deprecation: { description: 'When this operation was deprecated (RFC 9745), e.g. `@1767225600`', schema: { type: 'string' } },
  Sunset: { description: 'When it stops working (RFC 8594), an HTTP date', schema: { type: 'string' } },
  Link: { description: 'The migration notes: `<…>; rel="deprecation"`', schema: { type: 'string' } },
};

function successDescription(status: number, schema: string | undefined): string {
  const noun = (schema ?? '')
    .replace(/(Response)?Dto$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  if (status === 201) return noun ? `Created: the new ${noun}; \`Location\` says where to read it` : 'Created';
  if (status === 204) return 'Done; no content';
  if (noun.endsWith(' page')) {
    return `A page of ${noun.replace(/ page$/, '')}s; pass \`nextCursor\` as \`cursor\` for the next one (null on the last page)`;
  }
  return noun ? `The ${noun}` : 'OK';
}

/** A deprecated operation's description says since when, until when, and where to read how to move on. */
function describeDeprecation(operation: Operation): void {
  const deprecation = operation['x-deprecation'] as { since: string; sunset: string; link: string } | undefined;
  if (!deprecation) return;
  const note = `**Deprecated** since ${deprecation.since}; stops working on ${deprecation.sunset}. Migration: ${deprecation.link}`;
  operation.description = operation.description ? `${note}\n\n${operation.description}` : note;
}

/**
 * States in each operation's description who may call it, from the `x-required-roles` / `x-required-scopes`
 * that `@Authenticated` writes (the same metadata the guard enforces), so Swagger UI shows it.
 */
function describeAccess(operation: Operation): void {
  const roles = operation['x-required-roles'] as string[] | undefined;
  const scopes = operation['x-required-scopes'] as string[] | undefined;
  const who =
    roles?.includes('admin') && roles.length === 1
      ? 'admin users'
      : `users with role ${roles?.map((r) => `\`${r}\``).join(' or ')}`;
  const keys =
    operation['x-api-keys'] === false
      ? 'user tokens only, no API keys'
      : scopes?.length === 0
        ? 'any valid API key'
        : `API keys with scope ${scopes?.map((s) => `\`${s}\``).join(' and ')}`;
  const access =
    !operation.security || operation.security.length === 0
      ? 'Public: no credentials needed.'
      : `Access: ${who}; ${keys}. Admins (role${operation['x-api-keys'] === false ? '' : ' or `admin` scope'}) may call every operation.`;
  operation.description = operation.description ? `${operation.description}\n\n${access}` : access;
}

/** Deep copy with object keys sorted (arrays keep their order). */
export function sortKeys<T>(value: T, parentKey?: string): T {
  if (Array.isArray(value)) return value.map((item) => sortKeys(item)) as T;
  if (value && typeof value === 'object') {
    // Examples keep their order: Swagger UI shows the first one, the most likely problem of the operation.
    const keys = parentKey === 'examples' ? Object.keys(value) : Object.keys(value).sort();
    return Object.fromEntries(keys.map((key) => [key, sortKeys((value as Record<string, unknown>)[key], key)])) as T;
  }
  return value;
}
