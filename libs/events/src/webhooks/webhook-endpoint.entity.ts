import { Column, Entity } from 'typeorm';
import { dialectAtImport, UtcDateTimeColumn, UuidPrimaryColumn } from '@aero/core';

const UNBOUNDED_TEXT =
  dialectAtImport() === 'mssql' ? ({ type: 'nvarchar', length: 'MAX' } as const) : ({ type: 'text' } as const);
const BIGINT = dialectAtImport() === 'sqlite' ? 'integer' : 'bigint';
/** Unicode text (nvarchar on SQL Server), as the migration's `string` columns. */
const UNICODE = dialectAtImport() === 'mssql' ? 'nvarchar' : 'varchar';

/** bigint arrives as a string from PostgreSQL and SQL Server; positions stay far below 2^53. */
const bigintNumber = {
  to: (value: number | null | undefined): number | null | undefined => value,
  from: (value: string | number | null): number | null => (value === null ? null : Number(value)),
};

const jsonList = {
  to: (value: string[] | null | undefined): string | null | undefined =>
    value === undefined ? undefined : value === null ? null : JSON.stringify(value),
  from: (value: string | null): string[] | null => (value === null ? null : (JSON.parse(value) as string[])),
};

/**
 * A receiver's URL with what it subscribes to, its sealed signing secret(s), and its fan-out checkpoint:
 * the feed position up to which its deliveries have been made (claimed by one instance at a time).
 */
@Entity('webhook_endpoints')
export class WebhookEndpointEntity {
  @UuidPrimaryColumn()
  id: string;

  @Column({ type: UNICODE, length: 2000 })
  url: string;

  @Column({ type: UNICODE, length: 500, nullable: true })
  description: string | null;

  /** Subscribed event types, or ['*'] for every type. */
  @Column({ type: 'varchar', length: 2000, transformer: jsonList })
  types: string[];

  /** Only events of these venues; null: every event the owner may see. */
  @Column({ name: 'venue_ids', type: 'varchar', length: 4000, nullable: true, transformer: jsonList })
  venueIds: string[] | null;

  @Column({ type: Boolean })
  enabled: boolean;

  /** Why the API disabled it (`failing`, `owner_disabled`), or null when a person did or it is enabled. */
  @Column({ name: 'disabled_reason', type: 'varchar', length: 32, nullable: true })
  disabledReason: string | null;

  @UtcDateTimeColumn({ name: 'disabled_at', nullable: true })
  disabledAt: Date | null;

  /** The signing secret, AES-256-GCM sealed (never the secret itself). */
  @Column({ name: 'secret_sealed', type: 'varchar', length: 255 })
  secretSealed: string;

  /** The previous secret during a rotation's grace period. */
  @Column({ name: 'previous_secret_sealed', type: 'varchar', length: 255, nullable: true })
  previousSecretSealed: string | null;

  @UtcDateTimeColumn({ name: 'previous_secret_expires_at', nullable: true })
  previousSecretExpiresAt: Date | null;

  /** Who created it: `user` or `apiKey`, and its id (disabling that API key disables the endpoint). */
  @Column({ name: 'owner_kind', type: 'varchar', length: 10 })
  ownerKind: 'user' | 'apiKey';

  @Column({ name: 'owner_id', type: 'varchar', length: 36 })
  ownerId: string;

  /** The venues the owner may see (a venue key's), or null for every venue; fixed at creation. */
  @Column({ name: 'owner_venue_ids', type: 'varchar', length: 4000, nullable: true, transformer: jsonList })
  ownerVenueIds: string[] | null;

  /** Whether the owner was an admin, who alone may receive admin-only events (API keys, users). */
  @Column({ name: 'owner_is_admin', type: Boolean })
  ownerIsAdmin: boolean;

  /** Feed position up to which deliveries have been made for this endpoint. */
  @Column({ name: 'fanout_position', type: BIGINT, transformer: bigintNumber })
  fanoutPosition: number;

  /** Until when one instance holds the fan-out of this endpoint (a lease, taken over after a crash). */
  @UtcDateTimeColumn({ name: 'fanout_claimed_until', nullable: true })
  fanoutClaimedUntil: Date | null;

  /** The first failure since the last success: the endpoint is disabled once this is too long ago. */
  @UtcDateTimeColumn({ name: 'failing_since', nullable: true })
  failingSince: Date | null;

  @UtcDateTimeColumn({ name: 'last_success_at', nullable: true })
  lastSuccessAt: Date | null;

  @UtcDateTimeColumn({ name: 'created_at' })
  createdAt: Date;

  @UtcDateTimeColumn({ name: 'updated_at' })
  updatedAt: Date;
}

export type DeliveryStatus = 'pending' | 'delivering' | 'succeeded' | 'failed';

/** One event for one endpoint: made once (unique endpoint + event), tried until it succeeds or fails for good. */
@Entity('webhook_deliveries')
export class WebhookDeliveryEntity {
  @UuidPrimaryColumn()
  id: string;

  @Column({ name: 'endpoint_id', type: 'varchar', length: 36 })
  endpointId: string;

  /** The event id: the webhook-id header of every attempt. */
  @Column({ name: 'event_id', type: 'varchar', length: 40 })
  eventId: string;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType: string;

  /** When the event happened: the lag of an endpoint is the age of its oldest undelivered event. */
  @UtcDateTimeColumn({ name: 'event_occurred_at' })
  eventOccurredAt: Date;

  /** The exact JSON body every attempt sends (the event as the feed shows it). */
  @Column({ ...UNBOUNDED_TEXT })
  payload: string;

  @Column({ type: 'varchar', length: 16 })
  status: DeliveryStatus;

  @Column({ type: 'int' })
  attempts: number;

  @UtcDateTimeColumn({ name: 'next_attempt_at', nullable: true })
  nextAttemptAt: Date | null;

  /** While an instance sends it: until when its claim holds; after that another instance takes it over. */
  @UtcDateTimeColumn({ name: 'claimed_until', nullable: true })
  claimedUntil: Date | null;

  @Column({ name: 'claim_token', type: 'varchar', length: 36, nullable: true })
  claimToken: string | null;

  @Column({ name: 'last_status_code', type: 'int', nullable: true })
  lastStatusCode: number | null;

  @Column({ name: 'last_error', type: UNICODE, length: 500, nullable: true })
  lastError: string | null;

  @UtcDateTimeColumn({ name: 'first_attempt_at', nullable: true })
  firstAttemptAt: Date | null;

  @UtcDateTimeColumn({ name: 'delivered_at', nullable: true })
  deliveredAt: Date | null;

  @UtcDateTimeColumn({ name: 'created_at' })
  createdAt: Date;

  @UtcDateTimeColumn({ name: 'updated_at' })
  updatedAt: Date;
}

export type AttemptRecordOutcome = 'succeeded' | 'failed' | 'refused';

/** One HTTP attempt of a delivery: what the receiver answered, how fast, the first 1 kB of its body. */
@Entity('webhook_attempts')
export class WebhookAttemptEntity {
  @UuidPrimaryColumn()
  id: string;

  @Column({ name: 'delivery_id', type: 'varchar', length: 36 })
  deliveryId: string;

  @Column({ name: 'endpoint_id', type: 'varchar', length: 36 })
  endpointId: string;

  @Column({ type: 'int' })
  number: number;

  @UtcDateTimeColumn({ name: 'started_at' })
  startedAt: Date;

  @Column({ type: 'varchar', length: 16 })
  outcome: AttemptRecordOutcome;

  @Column({ name: 'status_code', type: 'int', nullable: true })
  statusCode: number | null;

  @Column({ name: 'latency_ms', type: 'int' })
  latencyMs: number;

  @Column({ name: 'response_excerpt', type: UNICODE, length: 1100, nullable: true })
  responseExcerpt: string | null;

  @Column({ type: UNICODE, length: 500, nullable: true })
  error: string | null;
}
