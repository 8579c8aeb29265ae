import { Global, Module } from '@nestjs/common';
import { BroadcastService } from './broadcast.service';

/** State shared between instances through Redis when REDIS_URL is set (see docs/architecture.md, Scaling out). */
@Global()
@Module({ providers: [BroadcastService], exports: [BroadcastService] })
export class SharedStateModule {}
