import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsageEventEntity, UsageHourlyEntity, UsageRollupHourEntity } from './usage.entities';
import { UsageRepository } from './usage.repository';
import { UsageService } from './usage.service';

/** The stored ledger and its rules, without HTTP: shared by the API's UsageModule and the CLI. */
@Module({
  imports: [TypeOrmModule.forFeature([UsageEventEntity, UsageHourlyEntity, UsageRollupHourEntity])],
  providers: [UsageRepository, UsageService],
  exports: [UsageRepository, UsageService],
})
export class UsageDataModule {}
