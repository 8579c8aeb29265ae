import { Command, CommandRunner, Option } from 'nest-commander';
import { DataSource, MigrationExecutor } from 'typeorm';
import { cliExamples, printResult } from '@aero/core';

interface Options {
  json?: boolean;
  revert?: boolean;
}

cliExamples('db:migrate', 'aero db:migrate', 'aero db:migrate --revert --json');

@Command({ name: 'db:migrate', description: 'Apply pending database migrations (or --revert the last one)' })
export class DbMigrateCommand extends CommandRunner {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async run(_args: string[], options: Options): Promise<void> {
    if (options.revert) {
      const executed = await new MigrationExecutor(this.dataSource).getExecutedMigrations();
      // TypeORM lists them newest first; undo takes that one.
      const last = [...executed].sort((a, b) => b.timestamp - a.timestamp)[0];
      if (!last) {
        printResult({ reverted: null }, options.json, () => 'Nothing to revert: no migration has been applied.');
        return;
      }
      await this.dataSource.undoLastMigration({ transaction: 'each' });
      printResult({ reverted: last.name }, options.json, () => `Reverted ${last.name}.`);
      return;
    }
    const applied = await this.dataSource.runMigrations({ transaction: 'each' });
    const names = applied.map((m) => m.name);
    printResult({ applied: names }, options.json, () =>
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
