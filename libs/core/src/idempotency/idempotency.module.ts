import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdempotencyRecordEntity } from './idempotency-record.entity';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyPurger } from './idempotency-purger';
import { IdempotencyRepository } from './idempotency.repository';
import { IdempotencyService } from './idempotency.service';

/**
 * Idempotency-Key storage, the interceptor `@Idempotent()` applies and the scheduled purge; global so every
 * feature's write routes can use it.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([IdempotencyRecordEntity])],
  providers: [IdempotencyRepository, IdempotencyService, IdempotencyInterceptor, IdempotencyPurger],
  exports: [IdempotencyService, IdempotencyInterceptor],
})
export class IdempotencyModule {}
