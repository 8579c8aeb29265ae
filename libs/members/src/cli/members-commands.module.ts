import { Module } from '@nestjs/common';
import { MembersModule } from '../members.module';
import { MembersImportCommand } from './members-import.command';

/** The members feature's CLI commands, imported by apps/cli. */
@Module({
  imports: [MembersModule],
  providers: [MembersImportCommand],
  exports: [MembersModule],
})
export class MembersCommandsModule {}
