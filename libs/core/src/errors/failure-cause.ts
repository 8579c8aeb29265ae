/**
 * Why a request was answered 5xx, as the request's log line states it: which dependency failed, the
 * underlying error's class and driver code, and the database breaker's state. Made of identifiers and
 * short, scrubbed messages only — never SQL parameters, row contents or credentials.
 */
export interface FailureCause {
  /**
   * What failed: the database, the breaker refusing to try it, Redis, the request's own deadline, our code, or
   * nothing at all but this instance shutting down (`shutdown`, not an outage).
   */
  dependency: 'database' | 'breaker' | 'redis' | 'deadline' | 'internal' | 'shutdown';
  /** How it failed, when the classifier knows (`connection-failure`, `transient`, `retry-budget-exhausted`, …). */
  reason?: string;
  /** Class of the error that was thrown (`QueryFailedError`, `DatabaseCircuitOpenError`, `TypeError`). */
  error?: string;
  /** Class of the driver's own error inside it (`DatabaseError`, `SqliteError`, `RequestError`). */
  driverError?: string;
  /** The driver's code: PostgreSQL SQLSTATE, SQLite result code, a Node socket code (`ECONNREFUSED`). */
  code?: string;
  /** SQL Server's error number (233, 10054, 1205, …). */
  number?: number;
  /** The error's message, scrubbed of quoted row contents and cut to 200 characters. */
  message?: string;
  /** The database circuit breaker's state when the answer was given. */
  breaker?: string;
  /** For the deadline: the configured limit. */
  timeoutMs?: number;
}

type Fields = { code?: unknown; number?: unknown; driverError?: unknown; cause?: unknown; message?: unknown };

const className = (value: object): string | undefined => {
  const name = (value.constructor as { name?: string } | undefined)?.name;
  return name && name !== 'Object' ? name : undefined;
};

/** The identifying fields of a thrown error and of the driver error it wraps (TypeORM's `driverError`, `cause`). */
export function errorIdentity(error: unknown, scrub: (text: string) => string = (text) => text): Omit<FailureCause, 'dependency'> {
  if (typeof error !== 'object' || error === null) return {};
  const out: Omit<FailureCause, 'dependency'> = {};
  const outer = error as Fields;
  const name = className(error);
  if (name) out.error = name;
  const inner = [outer.driverError, outer.cause].find((e): e is object => typeof e === 'object' && e !== null) as Fields | undefined;
  const innerName = inner && className(inner);
  if (innerName) out.driverError = innerName;
  for (const source of [outer, inner]) {
    if (!source) continue;
    if (out.code === undefined && (typeof source.code === 'string' || typeof source.code === 'number')) out.code = String(source.code);
    if (out.number === undefined && typeof source.number === 'number') out.number = source.number;
  }
  if (typeof outer.message === 'string' && outer.message !== '') out.message = scrub(outer.message).slice(0, 200);
  return out;
}

const failures = new WeakMap<object, FailureCause>();

/** Records why `response` is a 5xx, for its log line. */
export function recordFailure(response: object, cause: FailureCause): void {
  failures.set(response, cause);
}

/** Why `response` is a 5xx, if it was recorded. */
export function failureOf(response: object): FailureCause | undefined {
  return failures.get(response);
}
