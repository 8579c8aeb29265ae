import { remainingMs } from '../http/request-deadline';

/** The slice of a node-mssql `Request` the deadline needs. */
export interface CancellableRequest {
  cancel(): unknown;
}

/**
 * Runs one SQL Server request (`start`) so that it cannot outlive the HTTP request it serves: when the request's
 * deadline passes, the statement is cancelled through the driver (node-mssql `request.cancel()`, which sends
 * TDS an attention packet). SQL Server stops the batch, the driver rejects it with `ECANCEL`, the transaction
 * is rolled back and the client, already told 503, finds nothing written. This is SQL Server's counterpart
 * of PostgreSQL's `SET LOCAL statement_timeout` (T-SQL has no per-statement timeout to set). Outside a request
 * (CLI, background jobs, clean-up after the deadline) nothing is bounded here; DB_REQUEST_TIMEOUT_MS still is.
 */
export function cancelOnDeadline<T>(request: CancellableRequest, start: () => Promise<T>): Promise<T> {
  const left = remainingMs();
  if (left === undefined) return start();
  const timer = setTimeout(() => request.cancel(), Math.max(0, left));
  let running: Promise<T>;
  try {
    running = start();
  } catch (error) {
    clearTimeout(timer);
    throw error;
  }
  return running.finally(() => clearTimeout(timer));
}
