/**
 * What a log line may carry. Logs are read by more people and kept longer than the database's audit
 * trail, so credentials in query strings, SQL parameters and row contents quoted by database error
 * messages never reach them.
 */

const REDACTED = '[redacted]';

/**
 * Query parameter names that carry credentials: API keys and tokens some clients put in URLs, passwords,
 * signatures and OAuth codes. Matched case-insensitively on the whole name or a `_`/`-` separated part
 * (`api_key`, `X-Api-Key`, `access_token`, `client_secret`, `sig`).
 */
const CREDENTIAL_NAME =
  /(^|[_\-.])(api[_-]?key|apikey|key|token|access[_-]?token|refresh[_-]?token|id[_-]?token|auth|authorization|password|passwd|pwd|pass|secret|client[_-]?secret|signature|sig|code|session|sessionid|jwt|bearer|credentials?)($|[_\-.])/i;

/** `url` with the value of every credential-like query parameter replaced by `[redacted]`. */
export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const q = url.indexOf('?');
  if (q === -1) return url; // the hot path: most URLs have no query at all
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash === -1 ? undefined : hash);
  const redacted = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq === -1 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // a malformed name is logged as sent; its value is judged by the raw name
      }
      return eq !== -1 && CREDENTIAL_NAME.test(name) ? `${rawName}=${REDACTED}` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${redacted}`;
}

/** Patterns of database messages that quote row contents or key values (PostgreSQL, SQL Server). */
const ROW_CONTENT_PATTERNS: RegExp[] = [
  /Failing row contains [^\n]*/g, // PostgreSQL check / not-null violation detail
  /Key \([^\n]*/g, // PostgreSQL unique / foreign-key violation detail: "Key (email)=(…) already exists."
  /The duplicate key value is [^\n]*/g, // SQL Server 2627 / 2601
];

/** `text` with the row contents and key values database messages quote cut out. */
export function scrubMessage(text: string): string {
  let out = text;
  for (const pattern of ROW_CONTENT_PATTERNS) out = out.replace(pattern, `${REDACTED} row contents`);
  return out;
}

/** Driver error fields that identify the failure without quoting data. */
const SAFE_DRIVER_FIELDS = ['code', 'number', 'severity', 'constraint', 'table', 'column', 'routine'] as const;

export interface SafeError {
  type: string;
  message: string;
  stack?: string;
  code?: unknown;
  /** The SQL text with its placeholders (never the parameter values). */
  query?: string;
  driver?: Record<string, unknown>;
  cause?: SafeError;
}

/**
 * pino's `err` serializer: name, message, stack and codes, and for a failed query the SQL text and the
 * driver's error code — never `parameters` (emails, key hashes) nor `detail` (PostgreSQL quotes the row,
 * password hash included), and row contents quoted in messages are cut out.
 */
export function serializeError(error: unknown, depth = 0): SafeError {
  if (!(error instanceof Error)) {
    return { type: typeof error, message: scrubMessage(String(error)) };
  }
  const out: SafeError = {
    type: error.constructor?.name && error.constructor.name !== 'Error' ? error.constructor.name : error.name,
    message: scrubMessage(error.message),
  };
  if (error.stack) out.stack = scrubMessage(error.stack);
  const fields = error as Error & { code?: unknown; query?: unknown; driverError?: unknown; cause?: unknown };
  if (fields.code !== undefined && typeof fields.code !== 'object') out.code = fields.code;
  if (typeof fields.query === 'string') out.query = fields.query;
  if (fields.driverError && typeof fields.driverError === 'object') {
    const driverError = fields.driverError as Record<string, unknown>;
    const driver: Record<string, unknown> = {};
    for (const name of SAFE_DRIVER_FIELDS) {
      const value = driverError[name];
      if (value !== undefined && value !== null && typeof value !== 'object') driver[name] = value;
    }
    if (Object.keys(driver).length > 0) out.driver = driver;
  }
  if (fields.cause !== undefined && depth < 3) out.cause = serializeError(fields.cause, depth + 1);
  return out;
}
