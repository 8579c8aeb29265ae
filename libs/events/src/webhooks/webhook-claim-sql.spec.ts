import { claimDueSql, lockEndpointSql } from './webhook-claim-sql';

describe('webhook claim SQL', () => {
  it('PostgreSQL skips rows another instance holds (FOR UPDATE SKIP LOCKED)', () => {
    expect(claimDueSql('postgres')).toMatchInlineSnapshot(
      `"UPDATE webhook_deliveries SET status = 'delivering', claimed_until = :until, claim_token = :token, updated_at = :now WHERE id IN (SELECT id FROM webhook_deliveries WHERE endpoint_id = :endpointId AND status IN ('pending', 'delivering') AND next_attempt_at <= :now AND (claimed_until IS NULL OR claimed_until < :now) ORDER BY next_attempt_at LIMIT :slots FOR UPDATE SKIP LOCKED) RETURNING id"`,
    );
    expect(lockEndpointSql('postgres')).toBe('SELECT id FROM webhook_endpoints WHERE id = :endpointId FOR UPDATE SKIP LOCKED');
  });

  it('SQL Server reads past locked rows and takes update locks (UPDLOCK, READPAST, ROWLOCK)', () => {
    expect(claimDueSql('mssql')).toMatchInlineSnapshot(
      `"WITH due AS (SELECT TOP (:slots) id, status, claimed_until, claim_token, updated_at FROM webhook_deliveries WITH (UPDLOCK, READPAST, ROWLOCK) WHERE endpoint_id = :endpointId AND status IN ('pending', 'delivering') AND next_attempt_at <= :now AND (claimed_until IS NULL OR claimed_until < :now) ORDER BY next_attempt_at) UPDATE due SET status = 'delivering', claimed_until = :until, claim_token = :token, updated_at = :now OUTPUT inserted.id"`,
    );
    expect(lockEndpointSql('mssql')).toBe(
      'SELECT id FROM webhook_endpoints WITH (UPDLOCK, READPAST, ROWLOCK) WHERE id = :endpointId',
    );
  });

  it('SQLite claims with one conditional UPDATE (a lease that ran out is due again)', () => {
    expect(claimDueSql('sqlite')).toContain('(claimed_until IS NULL OR claimed_until < :now)');
    expect(claimDueSql('sqlite')).not.toContain('SKIP LOCKED');
    expect(lockEndpointSql('sqlite')).toBeNull();
  });
});
