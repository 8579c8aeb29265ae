#!/usr/bin/env node
// `npm run sql:snapshot` renders, offline (no database server), for SQL Server, PostgreSQL and SQLite:
// - sql/<dialect>/schema.sql: the DDL of every migration in MIGRATIONS order (TypeORM's SQL-memory mode);
// - sql/<dialect>/hot-queries.sql: the hottest statements as the driver sends them, with their parameter
//   types on SQL Server (scripts/sql-hot-queries.ts runs the real repository methods on a recording
//   data source).
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

/**
 * Entity column types follow DB_TYPE when the entity files load, so each dialect's hot queries are
 * rendered from a fresh load of the project's modules.
 */
async function renderHotQueriesFor(dialect) {
  const previous = process.env.DB_TYPE;
  for (const id of Object.keys(require.cache)) {
    if (id.startsWith(join(root, 'libs')) || id.startsWith(join(root, 'scripts'))) delete require.cache[id];
  }
  process.env.DB_TYPE = dialect;
  try {
    const { renderHotQueries } = require('./sql-hot-queries');
    const { renderHotQueriesSql } = require('../libs/core/src/database/sql-snapshot');
    return renderHotQueriesSql(dialect, await renderHotQueries(dialect));
  } finally {
    if (previous === undefined) delete process.env.DB_TYPE;
    else process.env.DB_TYPE = previous;
  }
}

async function main() {
  const check = process.argv.includes('--check');
  const stale = [];
  const outputs = [];
  for (const dialect of SNAPSHOT_DIALECTS) {
    outputs.push([join(root, 'sql', dialect, 'schema.sql'), await renderSchemaSql(dialect, MIGRATIONS), dialect]);
  }
  for (const dialect of SNAPSHOT_DIALECTS) {
    outputs.push([join(root, 'sql', dialect, 'hot-queries.sql'), await renderHotQueriesFor(dialect), dialect]);
  }
  for (const [file, sql, dialect] of outputs) {
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
      `SQL snapshot is stale: ${stale.join(', ')} differ from the migrations and repositories.\n` +
        'Run `npm run sql:snapshot` and commit the result (review the SQL Server diff in sql/mssql/).',
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
