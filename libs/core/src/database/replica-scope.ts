import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from 'typeorm';

/**
 * The replica's manager while `ReadDataSource.read` runs work on the read replica. Shared with
 * `TransactionService` so that a read inside that scope is neither counted by the primary's circuit breaker
 * nor turned into a 503: a replica failure is the seam's to handle (it asks the primary instead).
 */
export const replicaScope = new AsyncLocalStorage<EntityManager>();

/** Whether the current async context is a read on the replica. */
export function onReadReplica(): boolean {
  return replicaScope.getStore() !== undefined;
}
