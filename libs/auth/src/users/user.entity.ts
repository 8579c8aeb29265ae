import { Column, Entity } from 'typeorm';
import { dialectAtImport, UtcDateTimeColumn, UuidColumn, UuidPrimaryColumn } from '@aero/core';
import type { Role } from '../principal';

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

@Entity('users')
export class UserEntity {
  @UuidPrimaryColumn()
  id: string;

  /** Stored lower-cased; the unique index makes emails case-insensitively unique. */
  @Column({ length: 320 })
  email: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash: string;

  @Column({ type: 'varchar', length: 64, transformer: csv })
  roles: Role[];

  @Column({ type: Boolean, default: false })
  disabled: boolean;

  /** The member profile this user acts as (libs/members owns it). */
  @UuidColumn({ name: 'member_id', nullable: true })
  memberId: string | null;

  @Column({ name: 'venue_ids', ...UNBOUNDED_TEXT, nullable: true, transformer: jsonList })
  venueIds: string[] | null;

  @UtcDateTimeColumn({ name: 'password_changed_at' })
  passwordChangedAt: Date;

  @UtcDateTimeColumn({ name: 'created_at' })
  createdAt: Date;

  @UtcDateTimeColumn({ name: 'updated_at' })
  updatedAt: Date;
}
