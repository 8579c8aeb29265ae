import { Command, CommandRunner, Option } from 'nest-commander';
import { EventsService } from '../events.service';

@Command({
  name: 'events:purge',
  description: 'Delete events older than EVENTS_RETENTION_DAYS from the feed (in batches)',
})
export class EventsPurgeCommand extends CommandRunner {
  constructor(private readonly events: EventsService) {
    super();
  }

  async run(_args: string[], options: { json?: boolean }): Promise<void> {
    const purged = await this.events.purgeExpired();
    process.stdout.write(options.json ? `${JSON.stringify({ purged })}\n` : `Purged ${purged} event(s) past retention\n`);
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}
