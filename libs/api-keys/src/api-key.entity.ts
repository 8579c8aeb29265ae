import { Column, Entity } from 'typeorm';
import { dialectAtImport, UtcDateTimeColumn, UuidColumn, UuidPrimaryColumn } from '@aero/core';
import type { Scope } from '@aero/auth';

const csv = {
  to: (value: string[]): string => value.join(','),
  from: (value: string | null): string[] => (value ? value.split(',').filter(Boolean) : []),
};
/** nvarchar(MAX) on SQL Server (what the migration creates), text elsewhere. */
const UNBOUNDED_TEXT =
  dialectAtImport() === 'mssql' ? ({ type: 'nvarchar', length: 'MAX' } as const) : ({ type: 'text' } as const);
const jsonList = {
  to: (value: string[] | null | undefined): string | null => (value ? JSON.stringify(value) : null),
  from: (value: string | null): string[] | null => (value ? (JSON.parse(value) as string[]) : null),
};

/** An application's API key. The key itself is never stored: only its HMAC and last four characters. */
@Entity('api_keys')
export class ApiKeyEntity {
  @UuidPrimaryColumn()
  id: string;

  @Column({ length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 32 })
  app: string;

  @Column({ type: 'varchar', length: 500, transformer: csv })
  scopes: Scope[];

  @Column({ name: 'venue_ids', ...UNBOUNDED_TEXT, nullable: true, transformer: jsonList })
  venueIds: string[] | null;

  @Column({ name: 'secret_hash', type: 'varchar', length: 64 })
  secretHash: string;

  @Column({ type: 'varchar', length: 4 })
  last4: string;

  @UtcDateTimeColumn({ name: 'expires_at', nullable: true })
  expiresAt: Date | null;

  @Column({ type: Boolean, default: true })
  enabled: boolean;

  @Column({ name: 'rate_limit_per_minute', type: 'int', nullable: true })
  rateLimitPerMinute: number | null;

  /** Requests per calendar month (UTC); null means no quota. */
  @Column({ name: 'monthly_quota', type: 'int', nullable: true })
  monthlyQuota: number | null;

  /** Open holds at once; null means HOLDS_MAX_OPEN_PER_PRINCIPAL. */
  @Column({ name: 'max_open_holds', type: 'int', nullable: true })
  maxOpenHolds: number | null;

  @Column({ name: 'created_by', length: 200 })
  createdBy: string;

  @UtcDateTimeColumn({ name: 'created_at' })
  createdAt: Date;

  @UtcDateTimeColumn({ name: 'updated_at' })
  updatedAt: Date;

  @UtcDateTimeColumn({ name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;

  @UtcDateTimeColumn({ name: 'revoked_at', nullable: true })
  revokedAt: Date | null;

  /** Set by rotation: the key that replaced this one. */
  @UuidColumn({ name: 'replaced_by_id', nullable: true })
  replacedById: string | null;

  /**
   * The first key of this key's rotation chain (its own id for a key never rotated into): the caller an
   * Idempotency-Key belongs to, the same for every successor. Null on rows written before it existed.
   */
  @UuidColumn({ name: 'lineage_id', nullable: true })
  lineageId: string | null;

  /** Set by rotation: until when this key still works. */
  @UtcDateTimeColumn({ name: 'grace_ends_at', nullable: true })
  graceEndsAt: Date | null;
}
