import { Module } from '@nestjs/common';
import { AuthModule } from '../auth.module';
import { UsersCreateCommand, UsersDeleteCommand, UsersDisableCommand, UsersResetPasswordCommand } from './users.commands';

/** `users:*` commands for the admin CLI; thin wrappers over UsersService (re-exported for db:seed). */
@Module({
  imports: [AuthModule],
  providers: [UsersCreateCommand, UsersDisableCommand, UsersDeleteCommand, UsersResetPasswordCommand],
  exports: [AuthModule],
})
export class AuthCommandsModule {}
