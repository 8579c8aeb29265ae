import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys.module';
import {
  ApiKeysCreateCommand,
  ApiKeysListCommand,
  ApiKeysRevokeCommand,
  ApiKeysRotateCommand,
  ApiKeysUpdateCommand,
} from './api-keys.commands';

/** `api-keys:*` commands for the admin CLI; thin wrappers over ApiKeysService (re-exported for db:seed). */
@Module({
  imports: [ApiKeysModule],
  providers: [ApiKeysCreateCommand, ApiKeysListCommand, ApiKeysRevokeCommand, ApiKeysRotateCommand, ApiKeysUpdateCommand],
  exports: [ApiKeysModule],
})
export class ApiKeysCommandsModule {}
