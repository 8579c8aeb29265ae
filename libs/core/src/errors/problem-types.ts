import { defineProblemType } from './app-error';

/** Problem types of the platform itself; features declare their own beside their code. */
export const CoreProblems = {
  badRequest: defineProblemType({
    code: 'BAD_REQUEST',
    slug: 'bad-request',
    status: 400,
    title: 'Bad request',
    description: 'The request could not be understood, e.g. a malformed header or query parameter.',
  }),
  malformedJson: defineProblemType({
    code: 'MALFORMED_JSON',
    slug: 'malformed-json',
    status: 400,
    title: 'Malformed JSON body',
    description: 'The body is not valid JSON. Fix the syntax; nothing was processed.',
  }),
  jsonTooComplex: defineProblemType({
    code: 'JSON_TOO_COMPLEX',
    slug: 'json-too-complex',
    status: 400,
    title: 'JSON body too complex',
    description:
      'The body nests arrays/objects deeper than `HTTP_JSON_MAX_DEPTH` (32 by default) or holds more array elements and object members than `HTTP_JSON_MAX_ELEMENTS` (10,000 by default); `maxDepth` and `maxElements` give the limits. Nothing was processed.',
  }),
  invalidEncoding: defineProblemType({
    code: 'INVALID_ENCODING',
    slug: 'invalid-encoding',
    status: 400,
    title: 'Not valid UTF-8',
    description:
      'The body, or a percent-encoded query parameter, is not valid UTF-8 (for example a Latin-1 `é`, byte 0xE9, sent as is or as `%E9`). For a body, `offset` is the position of the first bad byte; for a query parameter, `errors` names it. Nothing was processed or stored: send the text encoded as UTF-8.',
  }),
  validation: defineProblemType({
    code: 'VALIDATION_FAILED',
    slug: 'validation-failed',
    status: 400,
    title: 'Request validation failed',
    description: 'One or more fields are invalid; `errors` lists each one with its field path and message.',
  }),
  unauthenticated: defineProblemType({
    code: 'UNAUTHENTICATED',
    slug: 'unauthenticated',
    status: 401,
    title: 'Authentication required',
    description: 'Send a valid `Authorization: Bearer <token>` or `X-API-Key` header.',
  }),
  forbidden: defineProblemType({
    code: 'FORBIDDEN',
    slug: 'forbidden',
    status: 403,
    title: 'Forbidden',
    description: 'The caller is authenticated but lacks the role or scope the operation needs.',
  }),
  notFound: defineProblemType({
    code: 'NOT_FOUND',
    slug: 'not-found',
    status: 404,
    title: 'Not found',
    description: 'No such route, or no such resource visible to the caller.',
  }),
  methodNotAllowed: defineProblemType({
    code: 'METHOD_NOT_ALLOWED',
    slug: 'method-not-allowed',
    status: 405,
    title: 'Method not allowed',
    description: 'The route exists but does not accept this HTTP method.',
  }),
  conflict: defineProblemType({
    code: 'CONFLICT',
    slug: 'conflict',
    status: 409,
    title: 'Conflict',
    description: 'The request conflicts with the current state of the resource.',
  }),
  preconditionFailed: defineProblemType({
    code: 'PRECONDITION_FAILED',
    slug: 'precondition-failed',
    status: 412,
    title: 'Precondition failed',
    description: 'The `If-Match` ETag is stale: someone changed the resource. Re-read it and retry.',
  }),
  payloadTooLarge: defineProblemType({
    code: 'PAYLOAD_TOO_LARGE',
    slug: 'payload-too-large',
    status: 413,
    title: 'Payload too large',
    description: 'The body exceeds the configured limit (`HTTP_BODY_LIMIT_KB`, 100 kB by default).',
  }),
  requestIncomplete: defineProblemType({
    code: 'REQUEST_INCOMPLETE',
    slug: 'request-incomplete',
    status: 408,
    title: 'Request not received in time',
    description:
      'The request line and headers did not arrive within `HTTP_HEADERS_TIMEOUT_MS`, the body within `HTTP_BODY_READ_TIMEOUT_MS` of the headers (`timeoutMs` gives it), or the whole request within `HTTP_RECEIVE_TIMEOUT_MS`. The connection is closed. This is not a server fault: send the request again, with its body sent promptly.',
  }),
  headersTooLarge: defineProblemType({
    code: 'HEADERS_TOO_LARGE',
    slug: 'headers-too-large',
    status: 431,
    title: 'Request headers too large',
    description:
      'The request line and headers together exceed 16 kB (a long query string counts). Send shorter headers or fewer query parameters. The connection is closed.',
  }),
  unsupportedMediaType: defineProblemType({
    code: 'UNSUPPORTED_MEDIA_TYPE',
    slug: 'unsupported-media-type',
    status: 415,
    title: 'Unsupported media type',
    description: 'Request bodies must be `application/json`, uncompressed, in UTF-8 (a `charset` other than `utf-8` is refused).',
  }),
  tooManyRequests: defineProblemType({
    code: 'TOO_MANY_REQUESTS',
    slug: 'too-many-requests',
    status: 429,
    title: 'Too many requests',
    description: 'Slow down; `Retry-After` says when to try again.',
  }),
  internal: defineProblemType({
    code: 'INTERNAL',
    slug: 'internal',
    status: 500,
    title: 'Internal server error',
    description: 'Something failed on our side. Quote the `requestId` when you report it.',
  }),
  databaseUnavailable: defineProblemType({
    code: 'DATABASE_UNAVAILABLE',
    slug: 'service-unavailable',
    status: 503,
    title: 'Service temporarily unavailable',
    description: 'The database is unreachable or overloaded. Retry after the `Retry-After` seconds.',
  }),
  serviceDraining: defineProblemType({
    code: 'SERVICE_DRAINING',
    slug: 'service-draining',
    status: 503,
    title: 'Instance shutting down',
    description:
      'This instance is shutting down (a deploy or a scale-in) and took nothing from this request; the connection is closed. Retry after `Retry-After` seconds: the load balancer sends it to another instance. This is not an outage.',
  }),
  timeout: defineProblemType({
    code: 'REQUEST_TIMEOUT',
    slug: 'timeout',
    status: 503,
    title: 'Request timed out',
    description: 'The request took longer than the server allows (`HTTP_REQUEST_TIMEOUT_MS`, counted from when its body was read).',
  }),
} as const;
