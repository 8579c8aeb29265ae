import { Module } from '@nestjs/common';
import { RateLimitStorageModule } from '../rate-limit.module';
import { RateLimitsResetCommand, RateLimitsStatusCommand } from './rate-limits.commands';

/** `rate-limits:*` commands for the admin CLI, over the same limiter and storage the API uses. */
@Module({
  imports: [RateLimitStorageModule],
  providers: [RateLimitsStatusCommand, RateLimitsResetCommand],
})
export class RateLimitsCommandsModule {}
