import { defineProblemType } from '../errors/app-error';

/** Problem types of the Idempotency-Key contract. */
export const IdempotencyProblems = {
  keyRequired: defineProblemType({
    code: 'IDEMPOTENCY_KEY_REQUIRED',
    slug: 'idempotency-key-required',
    status: 400,
    title: 'Idempotency-Key header required',
    description:
      'API-key callers must send an `Idempotency-Key` header (1–255 printable ASCII characters, a UUID is ideal) on this operation, so a retry can never do the work twice.',
  }),
  keyInvalid: defineProblemType({
    code: 'IDEMPOTENCY_KEY_INVALID',
    slug: 'idempotency-key-invalid',
    status: 400,
    title: 'Idempotency-Key header invalid',
    description: 'The `Idempotency-Key` header must be 1–255 printable ASCII characters.',
  }),
  inFlight: defineProblemType({
    code: 'IDEMPOTENCY_KEY_IN_FLIGHT',
    slug: 'idempotency-key-in-flight',
    status: 409,
    title: 'A request with this Idempotency-Key is still being processed',
    description:
      'The first request with this key has not finished. Wait `Retry-After` seconds and retry with the same key and body: you then get its outcome.',
  }),
  keyReused: defineProblemType({
    code: 'IDEMPOTENCY_KEY_REUSED',
    slug: 'idempotency-key-reused',
    status: 422,
    title: 'Idempotency-Key reused for a different request',
    description:
      'This key was already used with another method, path or body. Use a new key for a new request; a retry must send exactly the same request.',
  }),
} as const;
