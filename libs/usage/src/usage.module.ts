import { Module } from '@nestjs/common';
import { PlatformModule } from '@aero/core';
import { AuthModule } from '@aero/auth';
import { ApiKeysModule } from '@aero/api-keys';
import { UsageAccessService } from './usage-access.service';
import { UsageDataModule } from './usage-data.module';
import { UsageController } from './usage.controller';
import { UsageMetrics } from './usage.metrics';
import { UsageMiddleware } from './usage.middleware';
import { UsageRecorder, UsageSink } from './usage.recorder';
import { UsageRepository } from './usage.repository';
import { UsageScheduler } from './usage.scheduler';

/**
 * Usage monitoring in the API: the recorder behind UsageMiddleware (applied by the API module), the
 * /v1/usage routes, and the roll-up/anomaly/retention job.
 */
@Module({
  imports: [UsageDataModule, PlatformModule, AuthModule, ApiKeysModule],
  controllers: [UsageController],
  providers: [
    UsageMetrics,
    { provide: UsageSink, useExisting: UsageRepository },
    UsageRecorder,
    UsageMiddleware,
    UsageAccessService,
    UsageScheduler,
  ],
  exports: [UsageRecorder, UsageMiddleware],
})
export class UsageModule {}
