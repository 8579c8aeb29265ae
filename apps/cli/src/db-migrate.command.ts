import { Command, CommandRunner, Option } from 'nest-commander';
import { DataSource } from 'typeorm';
import { print } from './output';

interface Options {
  json?: boolean;
  revert?: boolean;
}

@Command({ name: 'db:migrate', description: 'Apply pending database migrations (or --revert the last one)' })
export class DbMigrateCommand extends CommandRunner {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async run(_args: string[], options: Options): Promise<void> {
    if (options.revert) {
      await this.dataSource.undoLastMigration({ transaction: 'each' });
      print({ reverted: true }, options.json, () => 'Reverted the last migration.');
      return;
    }
    const applied = await this.dataSource.runMigrations({ transaction: 'each' });
    const names = applied.map((m) => m.name);
    print({ applied: names }, options.json, () =>
      names.length === 0 ? 'Database is up to date.' : `Applied ${names.length}: ${names.join(', ')}`,
    );
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }

  @Option({ flags: '--revert', description: 'revert the most recent migration instead' })
  parseRevert(): boolean {
    return true;
  }
}
