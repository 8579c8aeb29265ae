import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency.module';
import { IdempotencyPurgeCommand } from './idempotency-purge.command';

/** `idempotency:*` commands for the admin CLI; thin wrappers over IdempotencyService. */
@Module({
  imports: [IdempotencyModule],
  providers: [IdempotencyPurgeCommand],
})
export class IdempotencyCommandsModule {}
