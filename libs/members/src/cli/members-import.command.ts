import { readFileSync } from 'node:fs';
import { Command, CommandRunner, Option } from 'nest-commander';
import type { Principal } from '@aero/auth';
import { MembersImportService } from '../members-import.service';

interface Options {
  file?: string;
  dryRun?: boolean;
  json?: boolean;
}

/** The CLI acts as an operator with full access. */
const OPERATOR: Principal = { kind: 'user', id: 'cli', roles: ['admin'], scopes: [] };

@Command({
  name: 'members:import',
  description:
    'Import members from CSV (firstName,lastName,dateOfBirth,email,phone,guardianEmail); all or nothing',
})
export class MembersImportCommand extends CommandRunner {
  constructor(private readonly importer: MembersImportService) {
    super();
  }

  async run(_args: string[], options: Options): Promise<void> {
    if (!options.file) throw new Error('--file <path> is required');
    const text = readFileSync(options.file, 'utf8');
    const result = await this.importer.importCsv(OPERATOR, text, Boolean(options.dryRun));
    if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      for (const e of result.errors) process.stdout.write(`line ${e.line}: ${e.reason}\n`);
      if (result.errors.length === 0) {
        process.stdout.write(
          result.dryRun
            ? `${result.valid} row(s) valid; dry run, nothing imported.\n`
            : `Imported ${result.imported} member(s).\n`,
        );
      }
    }
    if (result.errors.length) throw new Error(`${result.errors.length} bad row(s): nothing imported`);
  }

  @Option({ flags: '--file <path>', description: 'CSV file with a header row' })
  parseFile(value: string): string {
    return value;
  }

  @Option({ flags: '--dry-run', description: 'validate only' })
  parseDryRun(): boolean {
    return true;
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }
}
