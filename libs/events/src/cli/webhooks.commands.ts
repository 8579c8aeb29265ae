import { Command, CommandRunner, Option } from 'nest-commander';
import { formatTable, printResult } from '@aero/core';
import type { WebhookDeliveryDto, WebhookEndpointDto } from '../webhooks/webhook.dto';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher';
import { WebhookEndpointsService } from '../webhooks/webhook-endpoints.service';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `90s`, `15m`, `2h`, `3d` → milliseconds. */
export function parseSince(value: string): number {
  const match = /^(\d+)([smhd])$/.exec(value.trim());
  if (!match) throw new Error('--since must look like 90s, 15m, 2h or 3d');
  return Number(match[1]) * UNITS[match[2]] * 1000;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function endpointArg(args: string[]): string {
  const [id] = args;
  if (!id || !UUID.test(id)) throw new Error('give the endpoint id (a UUID) as the argument');
  return id;
}

const when = (iso: string | null): string | undefined => iso?.slice(0, 19).replace('T', ' ');

@Command({ name: 'webhooks:list', description: 'List webhook endpoints with their health (never their secrets)' })
export class WebhooksListCommand extends CommandRunner {
  constructor(private readonly endpoints: WebhookEndpointsService) {
    super();
  }

  async run(_args: string[], options: { json?: boolean }): Promise<void> {
    const all = await this.endpoints.listAll();
    printResult(all, options.json, () =>
      formatTable(
        [
          { header: 'ID', value: (e: WebhookEndpointDto) => e.id },
          { header: 'STATE', value: (e) => (e.enabled ? (e.failingSince ? 'failing' : 'enabled') : `disabled${e.disabledReason ? ` (${e.disabledReason})` : ''}`) },
          { header: 'URL', value: (e) => e.url },
          { header: 'TYPES', value: (e) => e.types.join(',') },
          { header: 'VENUES', value: (e) => (e.venueIds ? e.venueIds.length : 'all'), align: 'right' },
          { header: 'LAST SUCCESS', value: (e) => when(e.lastSuccessAt) },
          { header: 'OWNER', value: (e) => `${e.owner.kind}:${e.owner.id}` },
        ],
        all,
        'No webhook endpoints.',
      ),
    );
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

@Command({ name: 'webhooks:deliveries', arguments: '<endpoint>', description: "An endpoint's latest deliveries with their attempts" })
export class WebhooksDeliveriesCommand extends CommandRunner {
  constructor(private readonly endpoints: WebhookEndpointsService) {
    super();
  }

  async run(args: string[], options: { json?: boolean; limit?: number }): Promise<void> {
    const page = await this.endpoints.deliveries(endpointArg(args), 'cli', options.limit ?? 20);
    printResult(page.data, options.json, () =>
      formatTable(
        [
          { header: 'DELIVERY', value: (d: WebhookDeliveryDto) => d.id },
          { header: 'EVENT', value: (d) => d.eventId },
          { header: 'TYPE', value: (d) => d.eventType },
          { header: 'STATUS', value: (d) => d.status },
          { header: 'ATTEMPTS', value: (d) => d.attemptCount, align: 'right' },
          { header: 'LAST', value: (d) => d.lastStatusCode ?? d.lastError },
          { header: 'NEXT', value: (d) => when(d.nextAttemptAt) },
          { header: 'CREATED', value: (d) => when(d.createdAt) },
        ],
        page.data,
        'No deliveries.',
      ),
    );
  }

  @Option({ flags: '--limit <n>', description: 'how many, newest first (1–100, default 20)' })
  parseLimit(value: string): number {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 100) throw new Error('--limit must be an integer from 1 to 100');
    return n;
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

@Command({
  name: 'webhooks:replay',
  arguments: '<endpoint>',
  description: 'Deliver again every subscribed event since a time ago (receivers drop duplicates by webhook-id)',
})
export class WebhooksReplayCommand extends CommandRunner {
  constructor(private readonly endpoints: WebhookEndpointsService) {
    super();
  }

  async run(args: string[], options: { since: number; json?: boolean }): Promise<void> {
    const since = new Date(Date.now() - options.since);
    const count = await this.endpoints.replay(endpointArg(args), since);
    printResult({ endpointId: args[0], since: since.toISOString(), deliveries: count }, options.json, () =>
      `${count} deliveries since ${since.toISOString()} are due again; the API instances send them.`,
    );
  }

  @Option({ flags: '--since <duration>', description: 'how far back: 90s, 15m, 2h, 3d', required: true })
  parseSinceOption(value: string): number {
    return parseSince(value);
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

@Command({ name: 'webhooks:test', arguments: '<endpoint>', description: 'Send a signed webhook.ping to an endpoint now and show the answer' })
export class WebhooksTestCommand extends CommandRunner {
  constructor(private readonly dispatcher: WebhookDispatcher) {
    super();
  }

  async run(args: string[], options: { json?: boolean }): Promise<void> {
    const { deliveryId, result } = await this.dispatcher.ping(endpointArg(args));
    this.dispatcher.sender.close();
    printResult({ deliveryId, ...result }, options.json, () =>
      result.outcome === 'succeeded'
        ? `ping delivered: ${result.statusCode} in ${result.latencyMs} ms`
        : `ping ${result.outcome}: ${result.error ?? result.statusCode} (${result.latencyMs} ms)`,
    );
    if (result.outcome !== 'succeeded') process.exitCode = 1;
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}
