#!/usr/bin/env node
// `npm run sql:snapshot` renders the DDL of every migration (MIGRATIONS order) for SQL Server, PostgreSQL
// and SQLite into sql/<dialect>/schema.sql, offline: TypeORM's SQL-memory mode, no database server.
// `npm run sql:check` (CI) renders in memory and fails when a committed file differs.
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..');
process.chdir(root);
require('ts-node').register({ project: join(root, 'tsconfig.json'), transpileOnly: true, swc: true });
require('tsconfig-paths').register({
  baseUrl: root,
  paths: require('../tsconfig.json').compilerOptions.paths,
});

const { MIGRATIONS } = require('../libs/core/src/database/migrations');
const { SNAPSHOT_DIALECTS, renderSchemaSql } = require('../libs/core/src/database/sql-snapshot');

async function main() {
  const check = process.argv.includes('--check');
  const stale = [];
  for (const dialect of SNAPSHOT_DIALECTS) {
    const file = join(root, 'sql', dialect, 'schema.sql');
    const sql = await renderSchemaSql(dialect, MIGRATIONS);
    const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (check) {
      if (current !== sql) stale.push(relative(root, file));
    } else if (current !== sql) {
      mkdirSync(join(root, 'sql', dialect), { recursive: true });
      writeFileSync(file, sql);
      console.log(`wrote ${relative(root, file)}`);
    } else {
      console.log(`${relative(root, file)} is up to date`);
    }
  }
  if (stale.length > 0) {
    console.error(
      `SQL snapshot is stale: ${stale.join(', ')} differ from the migrations.\n` +
        'Run `npm run sql:snapshot` and commit the result (review the SQL Server diff in sql/mssql/schema.sql).',
    );
    process.exit(1);
  }
  if (check)
    console.log(`SQL snapshots are fresh (${MIGRATIONS.length} migrations, ${SNAPSHOT_DIALECTS.join(', ')})`);
}

main().catch((error) => {
  console.error(`sql-snapshot failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
