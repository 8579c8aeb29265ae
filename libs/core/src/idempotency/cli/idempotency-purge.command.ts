import { Command, CommandRunner, Option } from 'nest-commander';
import { IdempotencyService } from '../idempotency.service';

@Command({
  name: 'idempotency:purge',
  description: 'Delete Idempotency-Key records past their retention (IDEMPOTENCY_RETENTION_HOURS)',
})
export class IdempotencyPurgeCommand extends CommandRunner {
  constructor(private readonly idempotency: IdempotencyService) {
    super();
  }

  async run(_args: string[], options: { json?: boolean }): Promise<void> {
    const purged = await this.idempotency.purgeExpired();
    process.stdout.write(options.json ? `${JSON.stringify({ purged })}\n` : `Purged ${purged} expired idempotency record(s)\n`);
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}
