import { Module } from '@nestjs/common';
import { WebhooksCoreModule } from '../webhooks/webhooks.module';
import { WebhooksDeliveriesCommand, WebhooksListCommand, WebhooksReplayCommand, WebhooksTestCommand } from './webhooks.commands';

/** `webhooks:*` for the admin CLI; thin wrappers over the services the API uses (the CLI never dispatches). */
@Module({
  imports: [WebhooksCoreModule],
  providers: [WebhooksListCommand, WebhooksDeliveriesCommand, WebhooksReplayCommand, WebhooksTestCommand],
})
export class WebhooksCommandsModule {}
