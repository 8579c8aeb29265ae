import { defineProblemType } from '@aero/core';

/** Problem types of authentication, sessions and authorization. */
export const AuthProblems = {
  invalidCredentials: defineProblemType({
    code: 'AUTH_INVALID_CREDENTIALS',
    slug: 'invalid-credentials',
    status: 401,
    title: 'Invalid credentials',
    description: 'The email or password is wrong, or the account cannot sign in. Which one is never said.',
  }),
  loginThrottled: defineProblemType({
    code: 'AUTH_LOGIN_THROTTLED',
    slug: 'login-throttled',
    status: 429,
    title: 'Too many failed sign-ins',
    description: 'Repeated failures for this account or from this address. Wait `Retry-After` seconds.',
  }),
  invalidToken: defineProblemType({
    code: 'AUTH_INVALID_TOKEN',
    slug: 'invalid-token',
    status: 401,
    title: 'Invalid access token',
    description:
      'The bearer token is malformed, not signed by us, of the wrong algorithm, issuer, audience or type, has no expiry, or carries a header parameter other than `alg` and `typ` (`crit`, `kid`, `jku`, `jwk`, `b64`, …). Sign in again.',
  }),
  tokenExpired: defineProblemType({
    code: 'AUTH_TOKEN_EXPIRED',
    slug: 'token-expired',
    status: 401,
    title: 'Access token expired',
    description: 'Get a new access token with `POST /v1/auth/refresh`.',
  }),
  sessionEnded: defineProblemType({
    code: 'AUTH_SESSION_ENDED',
    slug: 'session-ended',
    status: 401,
    title: 'Session ended',
    description: 'The session of this token was logged out or revoked (password change, account disabled). Sign in again.',
  }),
  invalidRefreshToken: defineProblemType({
    code: 'AUTH_INVALID_REFRESH_TOKEN',
    slug: 'invalid-refresh-token',
    status: 401,
    title: 'Invalid refresh token',
    description: 'The refresh token is unknown, expired or its session ended. Sign in again.',
  }),
  refreshTokenReused: defineProblemType({
    code: 'AUTH_REFRESH_TOKEN_REUSED',
    slug: 'refresh-token-reused',
    status: 401,
    title: 'Refresh token reused',
    description:
      'This refresh token was already used. As it may have been stolen, its whole session was revoked. Sign in again.',
  }),
  ambiguousCredentials: defineProblemType({
    code: 'AUTH_AMBIGUOUS_CREDENTIALS',
    slug: 'ambiguous-credentials',
    status: 400,
    title: 'Ambiguous credentials',
    description: 'Send either `Authorization: Bearer` or `X-API-Key`, not both.',
  }),
  roleRequired: defineProblemType({
    code: 'AUTH_ROLE_REQUIRED',
    slug: 'role-required',
    status: 403,
    title: 'Role required',
    description: 'The signed-in user lacks every role this operation allows (`requiredRoles`).',
  }),
  scopeMissing: defineProblemType({
    code: 'AUTH_SCOPE_MISSING',
    slug: 'scope-missing',
    status: 403,
    title: 'API key scope missing',
    description: 'The API key lacks a scope this operation requires; `missingScopes` names them.',
  }),
  userRequired: defineProblemType({
    code: 'AUTH_USER_REQUIRED',
    slug: 'user-required',
    status: 403,
    title: 'User sign-in required',
    description: 'The operation is about a user account; an API key cannot call it. Sign in and send the access token.',
  }),
  emailTaken: defineProblemType({
    code: 'USERS_EMAIL_TAKEN',
    slug: 'email-taken',
    status: 409,
    title: 'Email already registered',
    description: 'Another user has this email (compared case-insensitively).',
  }),
  userNotFound: defineProblemType({
    code: 'USERS_NOT_FOUND',
    slug: 'user-not-found',
    status: 404,
    title: 'User not found',
    description: 'No user with this id.',
  }),
} as const;
