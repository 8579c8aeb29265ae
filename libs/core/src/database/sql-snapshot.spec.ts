import { Table, TableCheck, TableColumn, TableForeignKey, TableIndex } from 'typeorm';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { SchemaTypes } from './schema-types';
import { MIGRATIONS } from './migrations';
import {
  createOfflineQueryRunner,
  renderMigrations,
  renderSchemaSql,
  SNAPSHOT_DIALECTS,
  SNAPSHOT_HEADER,
} from './sql-snapshot';

/** A small migration in the house style: SchemaTypes columns, a CHECK, an index and a foreign key. */
class CreatePets1700000000000 implements MigrationInterface {
  name = 'CreatePets1700000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = new SchemaTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'owners',
        columns: [t.id(), t.string('display_name', 100), t.timestamp('created_at')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'pets',
        columns: [
          t.id(),
          t.uuid('owner_id'),
          t.string('name', 80),
          t.int('age'),
          t.boolean('active', true),
          t.text('notes', true),
          t.timestamp('created_at'),
        ],
        checks: [new TableCheck({ name: 'CHK_pets_age', expression: '"age" >= 0' })],
        indices: [new TableIndex({ name: 'IX_pets_owner_created', columnNames: ['owner_id', 'created_at'] })],
      }),
    );
    // Alterations of a table created earlier in the same run need its shape: answered offline.
    await queryRunner.createForeignKey(
      'pets',
      new TableForeignKey({
        name: 'FK_pets_owner_id',
        columnNames: ['owner_id'],
        referencedTableName: 'owners',
        referencedColumnNames: ['id'],
        onDelete: 'CASCADE',
      }),
    );
    await queryRunner.addColumn('owners', new TableColumn(t.string('email', 320, true)));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('pets');
    await queryRunner.dropTable('owners');
  }
}

describe('offline SQL rendering of migrations', () => {
  it('renders SQL Server DDL: nvarchar text, datetime2 instants, bit flags, CHECK and FK constraints', async () => {
    const [, pets] = await renderMigrations('mssql', [CreatePets1700000000000]);
    const sql = pets.statements.join('\n');

    expect(pets.name).toBe('CreatePets1700000000000');
    expect(sql).toContain(
      'CREATE TABLE "owners" ("id" varchar(36) NOT NULL, "display_name" nvarchar(100) NOT NULL, "created_at" datetime2 NOT NULL',
    );
    expect(sql).toMatch(/"name" nvarchar\(80\) NOT NULL/);
    expect(sql).toMatch(/"active" bit NOT NULL CONSTRAINT "DF_\w+" DEFAULT 1/);
    expect(sql).toMatch(/"notes" nvarchar\(MAX\)/);
    expect(sql).toContain('CONSTRAINT "CHK_pets_age" CHECK ("age" >= 0)');
    expect(sql).toContain('CREATE INDEX "IX_pets_owner_created" ON "pets" ("owner_id", "created_at")');
    expect(sql).toContain(
      'ALTER TABLE "pets" ADD CONSTRAINT "FK_pets_owner_id" FOREIGN KEY ("owner_id") REFERENCES "owners"("id") ON DELETE CASCADE',
    );
    expect(sql).toContain('ALTER TABLE "owners" ADD "email" nvarchar(320)');
    // No server-local clock types leak in: instants are datetime2 set by the application, in UTC.
    expect(sql).not.toMatch(/\bdatetime\b(?!2)|getdate\(\)/i);
  });

  it('renders the same migration as PostgreSQL and SQLite DDL', async () => {
    const [, postgres] = await renderMigrations('postgres', [CreatePets1700000000000]);
    const pg = postgres.statements.join('\n');
    expect(pg).toMatch(/"display_name" character varying\(100\) NOT NULL, "created_at" timestamptz NOT NULL/);
    expect(pg).toMatch(/"active" boolean NOT NULL DEFAULT true/);

    const [, sqlite] = await renderMigrations('sqlite', [CreatePets1700000000000]);
    const lite = sqlite.statements.join('\n');
    expect(lite).toMatch(/"display_name" varchar\(100\) NOT NULL, "created_at" datetime NOT NULL/);
    // SQLite cannot add a foreign key in place: TypeORM rebuilds the table, keeping the CHECK.
    expect(lite).toMatch(
      /CREATE TABLE "temporary_pets" .*CONSTRAINT "CHK_pets_age" CHECK .*"FK_pets_owner_id"/,
    );
  });

  it('writes one section per migration with batch separators for SQL Server tools', async () => {
    const text = await renderSchemaSql('mssql', [CreatePets1700000000000]);
    expect(text.startsWith(SNAPSHOT_HEADER)).toBe(true);
    expect(text).toContain('-- migration: schema_migrations (TypeORM bookkeeping)');
    expect(text).toMatch(/-- migration: CreatePets1700000000000\nCREATE TABLE "owners" [^\n]+;\nGO\n/);
  });

  it('records statements a migration sends itself instead of running them', async () => {
    class Seed1700000000001 implements MigrationInterface {
      async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`UPDATE "pets" SET "active" = 0 WHERE "age" > 30`);
      }
      async down(): Promise<void> {}
    }
    const rendered = await renderMigrations('postgres', [Seed1700000000001], {
      includeMigrationsTable: false,
    });
    expect(rendered).toEqual([
      { name: 'Seed1700000000001', statements: ['UPDATE "pets" SET "active" = 0 WHERE "age" > 30'] },
    ]);
  });
});

describe('the project migrations (MIGRATIONS), rendered offline', () => {
  it.each(SNAPSHOT_DIALECTS)(
    'each down() on %s removes exactly the tables its up() created',
    async (dialect) => {
      const { queryRunner, tableNames } = createOfflineQueryRunner(dialect);
      const before: string[][] = [];
      for (const Migration of MIGRATIONS) {
        before.push(tableNames().sort());
        await new Migration().up(queryRunner);
      }
      for (let i = MIGRATIONS.length - 1; i >= 0; i--) {
        await new MIGRATIONS[i]().down(queryRunner);
        expect({ migration: MIGRATIONS[i].name, tables: tableNames().sort() }).toEqual({
          migration: MIGRATIONS[i].name,
          tables: before[i],
        });
      }
      expect(tableNames()).toEqual([]);
    },
  );

  it('sends SQL Server, up and down, only statements every T-SQL engine takes', async () => {
    // Babelfish refuses ALTER DATABASE and ALTER TABLE … ALTER COLUMN … NOT NULL; Azure SQL Database refuses
    // SINGLE_USER. A migration that needs one of them stops db:migrate (and test:mssql) on such an engine.
    const { queryRunner, take } = createOfflineQueryRunner('mssql');
    const statements: { migration: string; sql: string }[] = [];
    for (const Migration of MIGRATIONS) {
      await new Migration().up(queryRunner);
      statements.push(...take().map((sql) => ({ migration: `${Migration.name} up`, sql })));
    }
    for (const Migration of [...MIGRATIONS].reverse()) {
      await new Migration().down(queryRunner);
      statements.push(...take().map((sql) => ({ migration: `${Migration.name} down`, sql })));
    }
    expect(statements.length).toBeGreaterThan(MIGRATIONS.length * 2);
    const refused = statements.filter(
      ({ sql }) => /\bALTER\s+DATABASE\b/i.test(sql) || /\bALTER\s+COLUMN\b[^;]*\bNOT\s+NULL\b/i.test(sql),
    );
    expect(refused).toEqual([]);
  });

  it('gives SQL Server only UTC-safe, non-deprecated column types', async () => {
    const sql = (await renderMigrations('mssql', MIGRATIONS)).flatMap((m) => m.statements).join('\n');
    // datetime/getdate() carry the server's local clock (docs/sql-server.md); text/ntext/image are deprecated.
    expect(sql).not.toMatch(/" (n?text|image|datetime|smalldatetime)(?![0-9a-z])/i);
    expect(sql).not.toMatch(/getdate\(\)|sysdatetime\(\)|current_timestamp/i);
  });
});
