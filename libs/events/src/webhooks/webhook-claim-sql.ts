import type { DbType } from '@aero/core';

/**
 * The dispatcher's claim statements, per dialect, with `:name` parameters (TypeORM's driver turns them into
 * `$1` / `@0` / `?`). Pinned in webhook-claim-sql.spec.ts so the SQL Server form is reviewed as a diff.
 *
 * Two instances never send the same attempt: a due delivery is taken by one UPDATE that sets its claim
 * (token + lease). PostgreSQL picks the rows with FOR UPDATE SKIP LOCKED and SQL Server with
 * UPDLOCK, READPAST, ROWLOCK, so a second instance skips rows another one is claiming instead of waiting or
 * taking them; SQLite (one writer at a time) claims with the same conditional UPDATE. A claim whose lease
 * ran out (its instance crashed mid-send) is due again.
 */

/** Locks one endpoint row for this claim, skipping it when another instance is claiming for it right now. */
export function lockEndpointSql(dialect: DbType): string | null {
  switch (dialect) {
    case 'postgres':
      return 'SELECT id FROM webhook_endpoints WHERE id = :endpointId FOR UPDATE SKIP LOCKED';
    case 'mssql':
      return 'SELECT id FROM webhook_endpoints WITH (UPDLOCK, READPAST, ROWLOCK) WHERE id = :endpointId';
    case 'sqlite':
      return null;
  }
}

const DUE = `endpoint_id = :endpointId AND status IN ('pending', 'delivering') AND next_attempt_at <= :now AND (claimed_until IS NULL OR claimed_until < :now)`;

/** Claims up to :slots due deliveries of one endpoint, oldest due first; returns the claimed ids. */
export function claimDueSql(dialect: DbType): string {
  switch (dialect) {
    case 'postgres':
      return (
        `UPDATE webhook_deliveries SET status = 'delivering', claimed_until = :until, claim_token = :token, updated_at = :now ` +
        `WHERE id IN (SELECT id FROM webhook_deliveries WHERE ${DUE} ORDER BY next_attempt_at LIMIT :slots FOR UPDATE SKIP LOCKED) ` +
        `RETURNING id`
      );
    case 'mssql':
      return (
        `WITH due AS (SELECT TOP (:slots) id, status, claimed_until, claim_token, updated_at FROM webhook_deliveries ` +
        `WITH (UPDLOCK, READPAST, ROWLOCK) WHERE ${DUE} ORDER BY next_attempt_at) ` +
        `UPDATE due SET status = 'delivering', claimed_until = :until, claim_token = :token, updated_at = :now OUTPUT inserted.id`
      );
    case 'sqlite':
      return (
        `UPDATE webhook_deliveries SET status = 'delivering', claimed_until = :until, claim_token = :token, updated_at = :now ` +
        `WHERE id IN (SELECT id FROM webhook_deliveries WHERE ${DUE} ORDER BY next_attempt_at LIMIT :slots) ` +
        `RETURNING id`
      );
  }
}
