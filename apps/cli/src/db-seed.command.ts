import { Command, CommandRunner, Option } from 'nest-commander';
import { print } from './output';

interface Options {
  json?: boolean;
}

/**
 * Loads a small, realistic demo data set for local runs. Idempotent: running it again changes nothing.
 * Each feature contributes through its own service (see the seed steps below).
 */
@Command({ name: 'db:seed', description: 'Load the demo data set (idempotent)' })
export class DbSeedCommand extends CommandRunner {
  async run(_args: string[], options: Options): Promise<void> {
    const created: Record<string, number> = {};
    print({ created }, options.json, () => 'Seed complete (nothing to seed yet).');
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }
}
