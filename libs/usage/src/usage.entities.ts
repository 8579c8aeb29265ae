import { Column, Entity, PrimaryColumn } from 'typeorm';
import { dialectAtImport, utcDateTimeType, UtcDateTimeColumn, UuidPrimaryColumn } from '@aero/core';
import type { StatusClass } from './rollup';
import type { PrincipalKind } from './usage-record';

/** One recorded request (raw ledger row), kept USAGE_RAW_RETENTION_DAYS. */
@Entity('usage_events')
export class UsageEventEntity {
  @UuidPrimaryColumn()
  id: string;

  @UtcDateTimeColumn({ name: 'occurred_at' })
  occurredAt: Date;

  @Column({ name: 'principal_kind', type: 'varchar', length: 10 })
  principalKind: PrincipalKind;

  /** API key id or user id; empty for anonymous requests. */
  @Column({ name: 'principal_id', type: 'varchar', length: 36 })
  principalId: string;

  @Column({ type: 'varchar', length: 32 })
  app: string;

  @Column({ type: 'varchar', length: 10 })
  method: string;

  @Column({ length: 200 })
  route: string;

  @Column({ type: 'int' })
  status: number;

  @Column({ name: 'latency_us', type: 'int' })
  latencyUs: number;

  @Column({ name: 'response_bytes', type: 'int' })
  responseBytes: number;

  @Column({ name: 'client_ip', type: 'varchar', length: 45 })
  clientIp: string;

  @Column({ type: Boolean })
  throttled: boolean;

  @Column({ type: Boolean })
  replayed: boolean;
}

/** PostgreSQL returns bigint as a string; totals of bytes fit a double exactly far beyond any real hour. */
const bigintNumber = {
  to: (value: number): number => value,
  from: (value: string | number): number => Number(value),
};

/** One hour of one principal on one route and status class. */
@Entity('usage_hourly')
export class UsageHourlyEntity {
  @UuidPrimaryColumn()
  id: string;

  @UtcDateTimeColumn({ name: 'hour_start' })
  hourStart: Date;

  @Column({ name: 'principal_kind', type: 'varchar', length: 10 })
  principalKind: PrincipalKind;

  @Column({ name: 'principal_id', type: 'varchar', length: 36 })
  principalId: string;

  @Column({ type: 'varchar', length: 32 })
  app: string;

  @Column({ type: 'varchar', length: 10 })
  method: string;

  @Column({ length: 200 })
  route: string;

  @Column({ name: 'status_class', type: 'varchar', length: 3 })
  statusClass: StatusClass;

  @Column({ type: 'int' })
  requests: number;

  @Column({ type: 'int' })
  errors: number;

  @Column({ type: 'int' })
  throttled: number;

  @Column({ type: 'int' })
  replayed: number;

  @Column({ name: 'latency_p50_us', type: 'int' })
  latencyP50Us: number;

  @Column({ name: 'latency_p95_us', type: 'int' })
  latencyP95Us: number;

  @Column({ name: 'response_bytes', type: 'bigint', transformer: bigintNumber })
  responseBytes: number;

  @Column({ name: 'distinct_client_ips', type: 'int' })
  distinctClientIps: number;

  @UtcDateTimeColumn({ name: 'created_at' })
  createdAt: Date;
}

/** A closed hour that has been rolled up; its primary key lets one instance claim the work. */
@Entity('usage_rollup_hours')
export class UsageRollupHourEntity {
  @PrimaryColumn({ name: 'hour_start', type: utcDateTimeType(dialectAtImport()) })
  hourStart: Date;

  @UtcDateTimeColumn({ name: 'rolled_at' })
  rolledAt: Date;

  @Column({ name: 'group_count', type: 'int' })
  groupCount: number;
}
