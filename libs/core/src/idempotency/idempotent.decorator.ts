import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ApiProblems } from '../http/api-problems.decorator';
import { IdempotencyProblems } from './idempotency.errors';
import type { IdempotentOptions } from './idempotency.interceptor';
import { IDEMPOTENCY_KEY_HEADER, IdempotencyInterceptor, IdempotentMetadata } from './idempotency.interceptor';

/**
 * Marks a state-changing route as idempotent-keyed: enforces the `Idempotency-Key` contract on it and
 * documents the header with its 400, 409 and 422 in OpenAPI, so docs and behaviour cannot drift.
 * `@Idempotent({ requiredForApiKeys: true })` where integrations must always send a key.
 */
export function Idempotent(options: IdempotentOptions = {}): MethodDecorator {
  return applyDecorators(
    IdempotentMetadata(options),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: IDEMPOTENCY_KEY_HEADER,
      required: false,
      description:
        (options.requiredForApiKeys ? '**Required for API-key callers.** ' : '') +
        'A unique key per intended operation (1–255 printable ASCII, a UUID is ideal), kept for IDEMPOTENCY_RETENTION_HOURS (24 h by default) per caller. ' +
        'Retrying with the same key and body returns the first outcome with `Idempotent-Replayed: true` instead of doing the work twice; ' +
        '409 idempotency-key-in-flight while the first is still running (retry after Retry-After), 422 idempotency-key-reused for a different request with the same key.',
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7E]+$' },
    }),
    ApiProblems(
      ...(options.requiredForApiKeys ? [IdempotencyProblems.keyRequired] : []),
      IdempotencyProblems.keyInvalid,
      IdempotencyProblems.inFlight,
      IdempotencyProblems.keyReused,
      503,
    ),
  );
}
