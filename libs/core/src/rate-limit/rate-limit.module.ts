import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimitStorage } from './rate-limit.storage';
import { RateLimiterService } from './rate-limiter.service';

/** The counters and the rules (no HTTP): shared by the API's guard, sign-in throttling and the CLI. */
@Global()
@Module({ providers: [RateLimitStorage, RateLimiterService], exports: [RateLimitStorage, RateLimiterService] })
export class RateLimitStorageModule {}

/**
 * Traffic control for the API: @nestjs/throttler configured with this storage and the anonymous tier as
 * its named throttlers (what its own `@Throttle()` decorators fall back to), and the guard the API app
 * registers right after authentication.
 */
@Module({
  imports: [
    RateLimitStorageModule,
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, RateLimitStorage],
      useFactory: (config: AppConfig, storage: RateLimitStorage) => ({
        storage,
        throttlers: [
          { name: 'burst', ttl: config.rateLimit.burstWindowSeconds * 1000, limit: config.rateLimit.anonymous.burst },
          { name: 'minute', ttl: 60_000, limit: config.rateLimit.anonymous.perMinute },
        ],
      }),
    }),
  ],
  providers: [RateLimitGuard],
  exports: [RateLimitGuard],
})
export class RateLimitModule {}
