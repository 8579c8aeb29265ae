import { defineProblemType } from '@aero/core';

/** Problem types of API keys: why a key was refused, and key management failures. */
export const ApiKeyProblems = {
  invalid: defineProblemType({
    code: 'API_KEY_INVALID',
    slug: 'api-key-invalid',
    status: 401,
    title: 'Invalid API key',
    description:
      'The X-API-Key is malformed, fails its checksum (a typo), or is unknown. Check that the whole key was copied.',
  }),
  revoked: defineProblemType({
    code: 'API_KEY_REVOKED',
    slug: 'api-key-revoked',
    status: 401,
    title: 'API key revoked',
    description: 'This key was revoked by an administrator. Ask for a new key.',
  }),
  expired: defineProblemType({
    code: 'API_KEY_EXPIRED',
    slug: 'api-key-expired',
    status: 401,
    title: 'API key expired',
    description: 'This key passed its expiry date. Ask for a new key.',
  }),
  disabled: defineProblemType({
    code: 'API_KEY_DISABLED',
    slug: 'api-key-disabled',
    status: 401,
    title: 'API key disabled',
    description: 'This key is disabled for now; an administrator can enable it again.',
  }),
  rotated: defineProblemType({
    code: 'API_KEY_ROTATED',
    slug: 'api-key-rotated',
    status: 401,
    title: 'API key rotated',
    description: 'This key was replaced by a new one and its grace period is over. Use the new key.',
  }),
  notFound: defineProblemType({
    code: 'API_KEY_NOT_FOUND',
    slug: 'api-key-not-found',
    status: 404,
    title: 'API key not found',
    description: 'No API key with this id.',
  }),
  notRotatable: defineProblemType({
    code: 'API_KEY_NOT_ROTATABLE',
    slug: 'api-key-not-rotatable',
    status: 409,
    title: 'API key cannot be rotated',
    description: 'Only a live key can be rotated: this one is revoked or was already rotated.',
  }),
} as const;
