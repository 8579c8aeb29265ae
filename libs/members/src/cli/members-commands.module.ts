import { Module } from '@nestjs/common';
import { MembersModule } from '../members.module';
import { MembersFindCommand } from './members-find.command';
import { MembersImportCommand } from './members-import.command';

/** The members feature's CLI commands, imported by apps/cli. */
@Module({
  imports: [MembersModule],
  providers: [MembersImportCommand, MembersFindCommand],
  exports: [MembersModule],
})
export class MembersCommandsModule {}
