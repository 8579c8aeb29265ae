import { Column, Entity } from 'typeorm';
import { UtcDateTimeColumn, UuidColumn, UuidPrimaryColumn } from '@aero/core';

/**
 * One issued refresh token. Tokens of one sign-in share a `familyId` (the session); each use rotates
 * to a new row. Only a SHA-256 of the token is stored.
 */
@Entity('refresh_tokens')
export class RefreshTokenEntity {
  @UuidPrimaryColumn()
  id: string;

  @UuidColumn({ name: 'user_id' })
  userId: string;

  @UuidColumn({ name: 'family_id' })
  familyId: string;

  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @UtcDateTimeColumn({ name: 'expires_at' })
  expiresAt: Date;

  @UtcDateTimeColumn({ name: 'created_at' })
  createdAt: Date;

  /** Set when the token was exchanged for a new one; presenting it again is reuse. */
  @UtcDateTimeColumn({ name: 'used_at', nullable: true })
  usedAt: Date | null;

  @UtcDateTimeColumn({ name: 'revoked_at', nullable: true })
  revokedAt: Date | null;
}
