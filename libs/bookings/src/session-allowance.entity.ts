import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * What one subject has on one session, kept by the database so limits hold under concurrency: a member's
 * active bookings (`member:<memberId>`), or a member user's live holds, held places and holds made
 * (`holder:<owner key>`). Changed only by the conditional UPDATEs in `allowanceSql`.
 */
@Entity('session_allowances')
export class SessionAllowanceEntity {
  @PrimaryColumn({ name: 'session_id', type: 'varchar', length: 36 })
  sessionId: string;

  @PrimaryColumn({ type: 'varchar', length: 90 })
  subject: string;

  /** Active bookings (member) or live holds (holder). */
  @Column({ type: 'int', default: 0 })
  active: number;

  /** Places those bookings or holds take. */
  @Column({ type: 'int', default: 0 })
  places: number;

  /** Holds ever made on the session (the renewal cap); bookings made for a member. */
  @Column({ type: 'int', default: 0 })
  created: number;
}
