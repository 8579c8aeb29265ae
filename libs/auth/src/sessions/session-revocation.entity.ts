import { Entity } from 'typeorm';
import { UtcDateTimeColumn, UuidColumn, UuidPrimaryColumn } from '@aero/core';

/** A session ended before its access tokens expire; deleted once they all have (`expiresAt`). */
@Entity('session_revocations')
export class SessionRevocationEntity {
  @UuidPrimaryColumn()
  id: string;

  @UuidColumn({ name: 'session_id' })
  sessionId: string;

  @UuidColumn({ name: 'user_id' })
  userId: string;

  @UtcDateTimeColumn({ name: 'revoked_at' })
  revokedAt: Date;

  /** When the last access token of the session expires at the latest. */
  @UtcDateTimeColumn({ name: 'expires_at' })
  expiresAt: Date;
}
