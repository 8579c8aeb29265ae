import { AsyncLocalStorage } from 'node:async_hooks';

/** When the current request must be answered by, shared by the timeout middleware and the database layer. */
export interface RequestDeadline {
  /** Epoch milliseconds after which the client has been (or will be) told 503. */
  readonly at: number;
  /** Set when the timeout answered the client: nothing of this request may commit any more. */
  expired: boolean;
}

const storage = new AsyncLocalStorage<RequestDeadline>();

/** Runs `next` (the rest of the request pipeline) with a deadline visible to everything it awaits. */
export function runWithDeadline<T>(deadline: RequestDeadline, next: () => T): T {
  return storage.run(deadline, next);
}

/** The deadline of the request being served, or undefined (CLI, background jobs). */
export function currentDeadline(): RequestDeadline | undefined {
  return storage.getStore();
}

/** Milliseconds left before the current request's deadline; undefined outside a request. */
export function remainingMs(now = Date.now()): number | undefined {
  const deadline = storage.getStore();
  if (!deadline) return undefined;
  return deadline.expired ? 0 : deadline.at - now;
}

/**
 * Runs `work` as if outside any request: for clean-up that must happen even after the deadline (releasing
 * an Idempotency-Key marker once the client was told 503).
 */
export function withoutDeadline<T>(work: () => T): T {
  return storage.exit(work);
}
