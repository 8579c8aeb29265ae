import type { OpenAPIObject } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from '../http/problem-details';
import { RATE_LIMIT_EXTENSION } from './rate-limit.decorators';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

const integer = { type: 'integer', minimum: 0 };

/** The headers every response of a limited operation carries, as OpenAPI header objects. */
export const RATE_LIMIT_RESPONSE_HEADERS: Record<string, { description: string; schema: Record<string, unknown> }> = {
  'RateLimit-Policy': {
    description: 'Policies that apply (IETF httpapi RateLimit draft), e.g. `"burst";q=200;w=10, "minute";q=600;w=60`',
    schema: { type: 'string' },
  },
  RateLimit: {
    description: 'The policy nearest exhaustion: remaining `r` and seconds to reset `t`, e.g. `"minute";r=42;t=17`',
    schema: { type: 'string' },
  },
  'X-RateLimit-Limit': { description: 'Limit of the policy nearest exhaustion', schema: integer },
  'X-RateLimit-Remaining': { description: 'Requests left in that policy’s window', schema: integer },
  'X-RateLimit-Reset': { description: 'Seconds until that window resets', schema: integer },
};

type ResponseObject = { description?: string; headers?: Record<string, unknown>; content?: Record<string, unknown> };

/**
 * Documents traffic control on every limited operation — every operation not marked `@SkipRateLimit()` —
 * from the same marker the guard obeys, so the document cannot drift: the rate-limit headers on each
 * response and a 429 with `Retry-After` and a problem body.
 */
export function documentRateLimits(document: OpenAPIObject): void {
  for (const pathItem of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = pathItem[method] as (Record<string, unknown> & { responses: Record<string, ResponseObject> }) | undefined;
      if (!operation || operation[RATE_LIMIT_EXTENSION] === false) continue;
      const existing = operation.responses['429'];
      operation.responses['429'] = {
        description: existing?.description
          ? `${existing.description}; or a rate limit (\`rate-limited\`) or the key's monthly quota (\`quota-exceeded\`) is spent`
          : 'Rate limit (`rate-limited`) or monthly quota (`quota-exceeded`) spent; wait `Retry-After` seconds',
        content: existing?.content ?? { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/ProblemDto' } } },
        headers: {
          ...existing?.headers,
          'Retry-After': { description: 'Seconds to wait before retrying', schema: integer },
        },
      };
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!status.startsWith('2') && !status.startsWith('3')) continue;
        response.headers = { ...RATE_LIMIT_RESPONSE_HEADERS, ...response.headers };
      }
    }
  }
}
