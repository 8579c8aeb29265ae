import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { API_KEY_STRATEGY_PROVIDER } from '@aero/auth';
import { EventsModule } from '@aero/events';
import { ApiKeyCache } from './api-key-cache';
import { ApiKeyStrategy } from './api-key.strategy';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';

/** API keys: lifecycle, hashing, verification cache; provides the guard's `api-key` passport strategy. */
@Module({
  imports: [TypeOrmModule.forFeature([ApiKeyEntity]), EventsModule],
  controllers: [ApiKeysController],
  providers: [
    ApiKeysRepository,
    ApiKeyCache,
    ApiKeysService,
    ApiKeyStrategy,
    { provide: API_KEY_STRATEGY_PROVIDER, useExisting: ApiKeyStrategy },
  ],
  exports: [ApiKeysService, ApiKeyCache, API_KEY_STRATEGY_PROVIDER],
})
export class ApiKeysModule {}
