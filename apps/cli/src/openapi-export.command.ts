import { writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Command, CommandRunner, Option } from 'nest-commander';
import { dialectAtImport, loadConfig, readProcessEnv } from '@aero/core';
import { createApiApp } from '../../api/src/create-api-app';
import { buildOpenApiDocument } from '../../api/src/openapi';

interface Options {
  out?: string;
}

/**
 * Writes the OpenAPI document (sorted keys) from a throwaway instance of the API: in memory on SQLite; on
 * PostgreSQL or SQL Server (whose column types the entities were loaded with) on the configured database,
 * without running migrations or writing anything.
 */
@Command({ name: 'openapi:export', description: 'Write the OpenAPI document to a file (default openapi.json)' })
export class OpenApiExportCommand extends CommandRunner {
  async run(_args: string[], options: Options): Promise<void> {
    const database =
      dialectAtImport() === 'sqlite'
        ? { DB_TYPE: 'sqlite', DB_DATABASE: ':memory:' }
        : {
            ...Object.fromEntries(Object.entries(readProcessEnv()).filter(([name]) => name.startsWith('DB_'))),
            DB_MIGRATIONS_RUN: 'false',
          };
    const config = loadConfig({
      NODE_ENV: 'test',
      ...database,
      JWT_SIGNING_KEY: randomBytes(32).toString('hex'),
      API_KEY_PEPPER: randomBytes(32).toString('hex'),
      WEBHOOKS_SECRET_KEY: randomBytes(32).toString('hex'),
      WEBHOOKS_DISPATCH_ENABLED: 'false',
    });
    const app = await createApiApp(config, { quiet: true });
    await app.init();
    try {
      const out = options.out ?? 'openapi.json';
      writeFileSync(out, `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`);
      process.stdout.write(`Wrote ${out}\n`);
    } finally {
      await app.close();
    }
  }

  @Option({ flags: '--out <file>', description: 'where to write the document', defaultValue: 'openapi.json' })
  parseOut(value: string): string {
    return value;
  }
}
