import type { MigrationInterface } from 'typeorm';
import { CreateUsers1764100000000 } from './1764100000000-create-users';
import { CreateApiKeys1764100000001 } from './1764100000001-create-api-keys';
import { CreateVenuesAndSessions1764200000000 } from './1764200000000-create-venues-and-sessions';
import { CreateMembersAndWaivers1764200000001 } from './1764200000001-create-members-and-waivers';
import { CreateHoldsAndBookings1764200000002 } from './1764200000002-create-holds-and-bookings';
import { CreateIdempotencyKeys1764500000000 } from './1764500000000-create-idempotency-keys';

type MigrationClass = new () => MigrationInterface;

/**
 * Every migration, in order. Each uses the schema-builder API with SchemaTypes so the same file runs on
 * SQL Server, PostgreSQL and SQLite, and has a working `down`. `npm run sql:snapshot` renders them.
 */
export const MIGRATIONS: MigrationClass[] = [
  CreateUsers1764100000000,
  CreateApiKeys1764100000001,
  CreateVenuesAndSessions1764200000000,
  CreateMembersAndWaivers1764200000001,
  CreateHoldsAndBookings1764200000002,
  CreateIdempotencyKeys1764500000000,
];
