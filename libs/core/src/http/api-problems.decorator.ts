import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from './problem-details';
import { ProblemDto, ValidationProblemDto } from './problem-type.dto';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request; `errors` lists each bad field',
  401: 'Missing or invalid credentials',
  403: 'Authenticated, but not allowed',
  404: 'Not found (or not visible to the caller)',
  409: 'Conflicts with the current state',
  412: 'The If-Match ETag is stale',
  413: 'Body too large',
  415: 'Body is not JSON',
  422: 'Idempotency key reused with a different request',
  429: 'Too many requests; see Retry-After',
  500: 'Unexpected error; quote the requestId',
  503: 'A dependency is unavailable; see Retry-After',
};

/** Documents error responses as RFC 9457 problem+json. `@ApiProblems(404, 409)`. */
export function ApiProblems(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDto, ValidationProblemDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error',
        content: {
          [PROBLEM_CONTENT_TYPE]: {
            schema: { $ref: getSchemaPath(status === 400 ? ValidationProblemDto : ProblemDto) },
          },
        },
      }),
    ),
  );
}
