import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PlatformModule } from '@aero/core';
import { EventsModule } from '../events.module';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookEndpointsController } from './webhook-endpoints.controller';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhookAttemptEntity, WebhookDeliveryEntity, WebhookEndpointEntity } from './webhook-endpoint.entity';
import { WebhookMetrics } from './webhook-metrics';
import { WebhooksRepository } from './webhooks.repository';

/** Webhook endpoints, their secrets and delivery log, and the dispatcher (no HTTP routes: the CLI uses it too). */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookEndpointEntity, WebhookDeliveryEntity, WebhookAttemptEntity]), EventsModule],
  providers: [WebhooksRepository, WebhookEndpointsService, WebhookDispatcher],
  exports: [WebhooksRepository, WebhookEndpointsService, WebhookDispatcher],
})
export class WebhooksCoreModule {}

/** The API side: /v1/webhook-endpoints and the webhook metrics; the dispatcher runs when WEBHOOKS_DISPATCH_ENABLED. */
@Module({
  imports: [WebhooksCoreModule, PlatformModule],
  controllers: [WebhookEndpointsController],
  providers: [WebhookMetrics],
})
export class WebhooksModule {}
