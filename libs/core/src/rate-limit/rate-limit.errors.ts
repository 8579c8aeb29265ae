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
  costExceedsLimit: defineProblemType({
    code: 'COST_EXCEEDS_LIMIT',
    slug: 'cost-exceeds-limit',
    status: 422,
    title: 'Request costs more than the whole rate limit',
    description:
      'The request is valid but costs more units (`cost`: long date ranges and large pages cost more) than the ' +
      '`policy` window can ever hold (`limit` per `windowSeconds`), so waiting would not help and no `Retry-After` ' +
      'is sent. Ask for a shorter range or a smaller page; `maximumCost` is the most one request may cost.',
  }),
} as const;
