import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels } from '@nestjs/swagger';
import type { ProblemTypeDefinition } from '../errors/app-error';
import { problemTypeUri } from '../errors/app-error';
import { CoreProblems } from '../errors/problem-types';
import { PROBLEM_CONTENT_TYPE } from './problem-details';
import { ProblemDto, ValidationProblemDto } from './problem-type.dto';

/** What each error status means on this API: the response description in the document. */
export const PROBLEM_STATUS_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad request: a field (listed in `errors`), the JSON syntax, a header or the credentials',
  401: 'Missing, invalid, expired or revoked credentials',
  403: 'Authenticated, but the role, scope or resource is not yours',
  404: 'Not found (or not visible to the caller)',
  408: 'The request did not arrive in time; the connection is closed',
  409: 'Conflicts with the current state; `type` says which rule',
  412: 'The `If-Match` ETag is stale: re-read the resource and retry',
  413: 'Body larger than the limit',
  415: 'Body is not `application/json`',
  422: 'Idempotency key reused with a different request',
  429: 'Too many requests; wait `Retry-After` seconds',
  431: 'Request line and headers over 16 kB (a long query string counts); the connection is closed',
  500: 'Unexpected error; quote the `requestId`',
  503: 'The database (or another dependency) is unavailable or slow, or this instance is shutting down (`service-draining`); retry after `Retry-After` seconds',
};

/** The problem type a bare status stands for in `@ApiProblems(404)`. */
export const DEFAULT_PROBLEM_BY_STATUS: Record<number, ProblemTypeDefinition> = {
  400: CoreProblems.validation,
  401: CoreProblems.unauthenticated,
  403: CoreProblems.forbidden,
  404: CoreProblems.notFound,
  409: CoreProblems.conflict,
  412: CoreProblems.preconditionFailed,
  408: CoreProblems.requestIncomplete,
  413: CoreProblems.payloadTooLarge,
  415: CoreProblems.unsupportedMediaType,
  429: CoreProblems.tooManyRequests,
  431: CoreProblems.headersTooLarge,
  500: CoreProblems.internal,
  503: CoreProblems.databaseUnavailable,
};

const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', example: 5 } },
};

/**
 * Headers sent with a 429. The limiter (whichever engine answers) sends these; documenting them here keeps
 * every operation's 429 the same.
 */
export const RATE_LIMIT_HEADERS = {
  ...RETRY_AFTER,
  RateLimit: {
    description: 'The current window: `limit=…, remaining=…, reset=…` (IETF RateLimit header fields)',
    schema: { type: 'string', example: 'limit=120, remaining=0, reset=42' },
  },
  'RateLimit-Policy': { description: 'The policy in force, e.g. `120;w=60`', schema: { type: 'string' } },
  'X-RateLimit-Limit': { description: 'Requests allowed in the window', schema: { type: 'integer' } },
  'X-RateLimit-Remaining': { description: 'Requests left in the window', schema: { type: 'integer' } },
  'X-RateLimit-Reset': { description: 'Seconds until the window resets', schema: { type: 'integer' } },
};

/** Response headers documented with each error status. */
export const PROBLEM_STATUS_HEADERS: Record<number, Record<string, unknown>> = {
  429: RATE_LIMIT_HEADERS,
  503: RETRY_AFTER,
};

export interface ProblemExample {
  summary: string;
  value: Record<string, unknown>;
}

/** A realistic problem body of this type, as the API would send it. */
export function problemExample(problem: ProblemTypeDefinition, instance = '/v1/…'): ProblemExample {
  const value: Record<string, unknown> = {
    type: problemTypeUri(problem.slug),
    title: problem.title,
    status: problem.status,
    detail: problem.description,
    instance,
    code: problem.code,
    requestId: '5f0c6a8e-2a8b-4e0a-9d43-1b2f3c4d5e6f',
  };
  if (problem.code === CoreProblems.validation.code) {
    value.errors = [{ field: 'limit', message: 'limit must not be greater than 100' }];
  }
  return { summary: `${problem.code}: ${problem.title}`, value };
}

/** The response object of a problem status listing these types as examples. */
export function problemResponse(status: number, problems: ProblemTypeDefinition[]): Record<string, unknown> {
  const headers = PROBLEM_STATUS_HEADERS[status];
  return {
    description: PROBLEM_STATUS_DESCRIPTIONS[status] ?? 'Error',
    ...(headers ? { headers } : {}),
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: { $ref: `#/components/schemas/${status === 400 ? ValidationProblemDto.name : ProblemDto.name}` },
        examples: Object.fromEntries(problems.map((p) => [p.code, problemExample(p)])),
      },
    },
  };
}

type ResponsesMetadata = Record<string, Record<string, unknown>>;

/** Where @nestjs/swagger keeps `@ApiResponse` metadata (its API_RESPONSE_METADATA, not exported). */
const API_RESPONSE_METADATA = 'swagger/apiResponse';

/**
 * Documents error responses as RFC 9457 problem+json, one example per problem type, so Swagger UI shows
 * the type a client will actually meet: `@ApiProblems(404, BookingsProblems.sessionFull)`. A bare status
 * stands for its generic type. Several uses on one operation add up (their examples are merged).
 */
export function ApiProblems(
  ...problems: (number | ProblemTypeDefinition)[]
): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ProblemTypeDefinition[]>();
  for (const entry of problems) {
    const problem = typeof entry === 'number' ? DEFAULT_PROBLEM_BY_STATUS[entry] : entry;
    if (!problem) throw new Error(`@ApiProblems: no generic problem type for status ${String(entry)}`);
    byStatus.set(problem.status, [...(byStatus.get(problem.status) ?? []), problem]);
  }
  const addResponses = (target: object): void => {
    const existing = (Reflect.getMetadata(API_RESPONSE_METADATA, target) ?? {}) as ResponsesMetadata;
    const merged: ResponsesMetadata = { ...existing };
    for (const [status, types] of byStatus) {
      merged[status] = mergeProblemResponses(existing[status], problemResponse(status, types));
    }
    Reflect.defineMetadata(API_RESPONSE_METADATA, merged, target);
  };
  const decorator = (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    addResponses(descriptor ? (descriptor.value as object) : target);
  };
  return applyDecorators(ApiExtraModels(ProblemDto, ValidationProblemDto), decorator as MethodDecorator & ClassDecorator);
}

/** Two problem responses of one status → one, with the examples of both. */
export function mergeProblemResponses(
  existing: Record<string, unknown> | undefined,
  incoming: Record<string, unknown>,
): Record<string, unknown> {
  if (!existing) return incoming;
  const media = (r: Record<string, unknown>): { examples?: Record<string, unknown> } =>
    ((r.content as Record<string, unknown> | undefined)?.[PROBLEM_CONTENT_TYPE] ?? {}) as {
      examples?: Record<string, unknown>;
    };
  const incomingMedia = media(incoming);
  return {
    ...existing,
    ...incoming,
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        ...incomingMedia,
        examples: { ...media(existing).examples, ...incomingMedia.examples },
      },
    },
  };
}
