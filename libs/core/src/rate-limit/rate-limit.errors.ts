import { defineProblemType } from '../errors/app-error';

export const RateLimitProblems = {
  rateLimited: defineProblemType({
    code: 'RATE_LIMITED',
    slug: 'rate-limited',
    status: 429,
    title: 'Rate limit exceeded',
    description:
      'Too many requests for this API key, user or client address. `policy` names the limit that ran out (`burst`, ' +
      '`minute` or `auth-failures` for repeated bad credentials) with its `limit` and `windowSeconds`; wait ' +
      '`Retry-After` (also `retryAfterSeconds`) seconds, then retry with backoff.',
  }),
  quotaExceeded: defineProblemType({
    code: 'QUOTA_EXCEEDED',
    slug: 'quota-exceeded',
    status: 429,
    title: 'Monthly quota exhausted',
    description:
      "The API key has used its `monthlyQuota` for this calendar month (UTC). `Retry-After` counts the seconds to " +
      'the start of next month; ask an administrator to raise the quota to continue sooner.',
  }),
} as const;
