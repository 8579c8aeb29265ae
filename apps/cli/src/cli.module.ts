import type { DynamicModule } from '@nestjs/common';
import { Module } from '@nestjs/common';
import type { AppConfig } from '@aero/core';
import { ConfigModule, DatabaseModule, SharedStateModule } from '@aero/core';
import { IdempotencyCommandsModule, RateLimitsCommandsModule, RateLimitSubjects } from '@aero/core/cli';
import { ApiKeysCommandsModule } from '@aero/api-keys/cli';
import { AuthCommandsModule } from '@aero/auth/cli';
import { BookingsCommandsModule } from '@aero/bookings/cli';
import { EventsCommandsModule, WebhooksCommandsModule } from '@aero/events/cli';
import { MembersCommandsModule } from '@aero/members/cli';
import { UsageCommandsModule } from '@aero/usage/cli';
import { DbMigrateCommand } from './db-migrate.command';
import { DbSeedCommand } from './db-seed.command';
import { OpenApiExportCommand } from './openapi-export.command';
import { CliRateLimitSubjects } from './rate-limit-subjects';

/** The admin CLI: platform commands here, each feature's commands from its own commands module. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        // so a revoke or disable from the CLI reaches running API instances through Redis
        SharedStateModule,
        AuthCommandsModule,
        ApiKeysCommandsModule,
        MembersCommandsModule,
        BookingsCommandsModule,
        EventsCommandsModule,
        WebhooksCommandsModule,
        UsageCommandsModule,
        RateLimitsCommandsModule,
        IdempotencyCommandsModule,
      ],
      providers: [
        DbMigrateCommand,
        DbSeedCommand,
        OpenApiExportCommand,
        // rate-limits:* look up a key's override and quota, or a user's role, through the features' services
        { provide: RateLimitSubjects, useClass: CliRateLimitSubjects },
      ],
    };
  }
}
