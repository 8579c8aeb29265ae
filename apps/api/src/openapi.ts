import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { OperationObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { documentRateLimits, PROBLEM_CONTENT_TYPE, ProblemDto, ValidationProblemDto } from '@aero/core';

export const BEARER_SCHEME = 'bearer';
export const API_KEY_SCHEME = 'api-key';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

/**
 * The OpenAPI document, from decorators and the Swagger CLI plugin, plus the responses every operation
 * shares (problem+json for 500, and 400/413/415 where a body is accepted). Keys are sorted so the
 * committed `openapi.json` diffs cleanly.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('AeroSports Core API')
    .setDescription(
      [
        'The one backend every AeroSports app uses: booking web and mobile, front desk, kiosks, partners.',
        '',
        'Authenticate with an API key (`X-API-Key`) per app, and/or a user JWT (`Authorization: Bearer`).',
        'Sending both at once is rejected as ambiguous (400).',
        '',
        'Every error is `application/problem+json` (RFC 9457) with a `requestId`; problem `type`s are',
        'described under `/problems`. Send `X-Request-Id` to correlate your logs with ours.',
      ].join('\n'),
    )
    .setVersion('1.0.0')
    .addServer('/', 'This deployment')
    .addTag('auth', 'Sign in, refresh and end sessions; who am I')
    .addTag('users', 'Staff and admin user management')
    .addTag('api-keys', 'Application API keys: create, rotate, revoke')
    .addTag('venues', 'Parks, with their IANA time zone')
    .addTag('sessions', 'Bookable time slots with capacity; the availability query')
    .addTag('bookings', 'Holds, bookings, cancellation and check-in')
    .addTag('members', 'Guests: profiles, dependants, waivers, membership')
    .addTag('platform', 'Health probes, metrics and the problem-type catalogue (no credentials)')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'User access token from POST /v1/auth/login' }, BEARER_SCHEME)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'Application API key (aero_…)' }, API_KEY_SCHEME)
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ProblemDto, ValidationProblemDto],
    operationIdFactory: (controllerKey, methodKey) =>
      `${controllerKey.replace(/Controller$/, '').replace(/^./, (c) => c.toLowerCase())}_${methodKey}`,
  });
  addSharedResponses(document);
  documentRateLimits(document);
  describeAccess(document);
  return sortKeys(document);
}

function problemResponse(description: string, validation = false): Record<string, unknown> {
  const ref = validation ? 'ValidationProblemDto' : 'ProblemDto';
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: `#/components/schemas/${ref}` } } } };
}

function addSharedResponses(document: OpenAPIObject): void {
  for (const pathItem of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = pathItem[method];
      if (!operation) continue;
      const responses = operation.responses as Record<string, unknown>;
      const hasInput = Boolean(operation.requestBody) || (operation.parameters ?? []).length > 0;
      if (hasInput) responses['400'] ??= problemResponse('Invalid request; `errors` lists each bad field', true);
      if (operation.requestBody) {
        responses['413'] ??= problemResponse('Body larger than the limit');
        responses['415'] ??= problemResponse('Body is not application/json');
      }
      responses['500'] ??= problemResponse('Unexpected error; quote the requestId');
    }
  }
}

/**
 * States in each operation's description who may call it, from the `x-required-roles` / `x-required-scopes`
 * that `@Authenticated` writes (the same metadata the guard enforces), so Swagger UI shows it.
 */
function describeAccess(document: OpenAPIObject): void {
  for (const pathItem of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = pathItem[method] as (OperationObject & Record<string, unknown>) | undefined;
      if (!operation) continue;
      // A method-level @Authenticated on a controller that has one too lists each scheme twice.
      if (operation.security) {
        operation.security = operation.security.filter(
          (entry, i, all) => all.findIndex((other) => JSON.stringify(other) === JSON.stringify(entry)) === i,
        );
      }
      const roles = operation['x-required-roles'] as string[] | undefined;
      const scopes = operation['x-required-scopes'] as string[] | undefined;
      const access =
        !operation.security || operation.security.length === 0
          ? 'Public: no credentials needed.'
          : `Access: ${roles?.includes('admin') && roles.length === 1 ? 'admin users' : `users with role ${roles?.map((r) => `\`${r}\``).join(' or ')}`}; ` +
            `${scopes?.length === 0 ? 'any valid API key' : `API keys with scope ${scopes?.map((s) => `\`${s}\``).join(' and ')}`}. ` +
            'Admins (role or `admin` scope) may call every operation.';
      operation.description = operation.description ? `${operation.description}\n\n${access}` : access;
    }
  }
}

/** Deep copy with object keys sorted (arrays keep their order). */
export function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    ) as T;
  }
  return value;
}
