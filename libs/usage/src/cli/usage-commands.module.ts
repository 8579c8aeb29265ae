import { Module } from '@nestjs/common';
import { UsageDataModule } from '../usage-data.module';
import { UsagePruneCommand, UsageReportCommand } from './usage.commands';

/** `usage:report` and `usage:prune` for the admin CLI; thin wrappers over UsageService. */
@Module({
  imports: [UsageDataModule],
  providers: [UsageReportCommand, UsagePruneCommand],
})
export class UsageCommandsModule {}
