import { Column, Entity } from 'typeorm';
import { dialectAtImport } from '../config/app-config';
import { UtcDateTimeColumn, UuidColumn, UuidPrimaryColumn } from '../database/columns';

const UNBOUNDED_TEXT =
  dialectAtImport() === 'mssql' ? ({ type: 'nvarchar', length: 'MAX' } as const) : ({ type: 'text' } as const);

export type IdempotencyState = 'in_flight' | 'completed';

/** One Idempotency-Key of one caller: the in-flight marker, then the stored response. */
@Entity('idempotency_keys')
export class IdempotencyRecordEntity {
  @UuidPrimaryColumn()
  id: string;

  /** The caller: `user:<id>` or `apiKey:<id>`. */
  @Column({ type: 'varchar', length: 100 })
  scope: string;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 255 })
  key: string;

  /** SHA-256 (hex) of method, route, path parameters and canonical body. */
  @Column({ type: 'varchar', length: 64 })
  fingerprint: string;

  @Column({ type: 'varchar', length: 16 })
  state: IdempotencyState;

  /** Which attempt holds the marker; a takeover after a crash changes it, so the old one cannot finish. */
  @UuidColumn({ name: 'owner_token' })
  ownerToken: string;

  @UtcDateTimeColumn({ name: 'locked_until', nullable: true })
  lockedUntil: Date | null;

  @Column({ name: 'response_status', type: 'int', nullable: true })
  responseStatus: number | null;

  @Column({ name: 'response_body', ...UNBOUNDED_TEXT, nullable: true })
  responseBody: string | null;

  @Column({ name: 'response_headers', ...UNBOUNDED_TEXT, nullable: true })
  responseHeaders: string | null;

  @UtcDateTimeColumn({ name: 'created_at' })
  createdAt: Date;

  @UtcDateTimeColumn({ name: 'expires_at' })
  expiresAt: Date;
}
