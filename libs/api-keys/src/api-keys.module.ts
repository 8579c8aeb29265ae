import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { API_KEY_VERIFIER } from '@aero/auth';
import { ApiKeyCache } from './api-key-cache';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';

/** API keys: lifecycle, hashing, verification cache; provides the guard's API_KEY_VERIFIER. */
@Module({
  imports: [TypeOrmModule.forFeature([ApiKeyEntity])],
  controllers: [ApiKeysController],
  providers: [
    ApiKeysRepository,
    ApiKeyCache,
    ApiKeysService,
    { provide: API_KEY_VERIFIER, useExisting: ApiKeysService },
  ],
  exports: [ApiKeysService, ApiKeyCache, API_KEY_VERIFIER],
})
export class ApiKeysModule {}
