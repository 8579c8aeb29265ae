// The data source for TypeORM's own CLI (`npm run typeorm -- migration:show`), built from the same
// validated config and options builder as the app and `npm run cli -- db:migrate`.
// Relative imports: the TypeORM CLI runs under plain ts-node, without the @aero/* path aliases.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './libs/core/src/config/app-config';
import { buildDataSourceOptions } from './libs/core/src/database/data-source-options';

/**
 * The only export: TypeORM's CLI picks up the one DataSource instance a file exports. Its console logger
 * prints what the CLI reports (`[X] 1764100000000 CreateUsers…` for migration:show).
 */
export const dataSource = new DataSource({
  ...buildDataSourceOptions(loadConfig().db),
  logger: 'simple-console',
});
