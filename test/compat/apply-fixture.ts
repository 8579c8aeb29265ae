// Applies the incompatible migration fixture to the database of the environment (scripts/compat.sh).
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, loadConfig } from '@aero/core';
import { RenameBookingsMemberId1765700000000 } from './fixtures/1765700000000-rename-bookings-member-id';

async function main(): Promise<void> {
  const dataSource = new DataSource({
    ...buildDataSourceOptions(loadConfig().db),
    migrations: [RenameBookingsMemberId1765700000000],
    migrationsRun: false,
  });
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    process.stdout.write(`applied ${applied.map((m) => m.name).join(', ') || 'nothing'}\n`);
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`fixture failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
