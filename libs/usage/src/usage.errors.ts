import { defineProblemType } from '@aero/core';

/** Problem types of the usage routes. */
export const UsageProblems = {
  principalNotFound: defineProblemType({
    code: 'USAGE_PRINCIPAL_NOT_FOUND',
    slug: 'usage-principal-not-found',
    status: 404,
    title: 'No usage visible for this principal',
    description:
      'No API key or user with this id, or it is outside the venues of the calling venue-restricted key (such a key sees only keys and users restricted to its own venues).',
  }),
} as const;
