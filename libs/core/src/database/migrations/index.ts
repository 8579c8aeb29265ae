import type { MigrationInterface } from 'typeorm';
import { CreateUsers1764100000000 } from './1764100000000-create-users';
import { CreateApiKeys1764100000001 } from './1764100000001-create-api-keys';
import { CreateVenuesAndSessions1764200000000 } from './1764200000000-create-venues-and-sessions';
import { CreateMembersAndWaivers1764200000001 } from './1764200000001-create-members-and-waivers';
import { CreateHoldsAndBookings1764200000002 } from './1764200000002-create-holds-and-bookings';
import { MemberVenuesAndAllowances1764300000000 } from './1764300000000-member-venues-and-allowances';
import { CreateSessionRevocations1764400000000 } from './1764400000000-create-session-revocations';
import { CreateIdempotencyKeys1764500000000 } from './1764500000000-create-idempotency-keys';
import { AddApiKeyMonthlyQuota1764600000000 } from './1764600000000-add-api-key-monthly-quota';
import { CreateUsage1764700000000 } from './1764700000000-create-usage';
import { MemberSearchKeys1764800000000 } from './1764800000000-member-search-keys';
import { CreateRateLimitCounters1765100000000 } from './1765100000000-create-rate-limit-counters';
import { ApiKeyLineage1765200000000 } from './1765200000000-api-key-lineage';
import { OpenHoldsPerHolder1765200000001 } from './1765200000001-open-holds-per-holder';
import { CreateEvents1765400000000 } from './1765400000000-create-events';
import { CreateWebhooks1765500000000 } from './1765500000000-create-webhooks';

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
  MemberVenuesAndAllowances1764300000000,
  CreateSessionRevocations1764400000000,
  CreateIdempotencyKeys1764500000000,
  AddApiKeyMonthlyQuota1764600000000,
  CreateUsage1764700000000,
  MemberSearchKeys1764800000000,
  CreateRateLimitCounters1765100000000,
  ApiKeyLineage1765200000000,
  OpenHoldsPerHolder1765200000001,
  CreateEvents1765400000000,
  CreateWebhooks1765500000000,
];
