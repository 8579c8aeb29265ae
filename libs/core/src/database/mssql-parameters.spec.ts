import 'reflect-metadata';
import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import type { MssqlModuleLike, MssqlRecordedParameter } from './mssql-parameters';
import { loadTypedMssqlDriver, mssqlDeclaration, typedMssqlDriver } from './mssql-parameters';

@Entity({ name: 'probes' })
class ProbeEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'nvarchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  status: string;

  @Column({ name: 'created_at', type: 'datetime2' })
  createdAt: Date;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const realMssql = require('mssql') as MssqlModuleLike;

/**
 * TypeORM's real SQL Server query runner over node-mssql's real Request, with only the network cut off:
 * `query()` records the parameters the request would declare to SQL Server.
 */
async function recordingDataSource(): Promise<{ dataSource: DataSource; sent: () => string[][] }> {
  const batches: MssqlRecordedParameter[][] = [];
  const RealRequest = realMssql.Request as unknown as new (...args: unknown[]) => {
    parameters: Record<string, MssqlRecordedParameter>;
  };
  class OfflineRequest extends RealRequest {
    query(): Promise<unknown> {
      batches.push(Object.values(this.parameters));
      return Promise.resolve({ recordset: [], rowsAffected: [1] });
    }
  }
  const offline = Object.assign(Object.create(realMssql) as MssqlModuleLike, { Request: OfflineRequest });
  const dataSource = new DataSource({
    type: 'mssql',
    host: 'offline.invalid',
    database: 'aero',
    driver: typedMssqlDriver(offline),
    entities: [ProbeEntity],
  });
  await (dataSource as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
  const driver = dataSource.driver as unknown as { obtainMasterConnection(): Promise<unknown> };
  driver.obtainMasterConnection = async () => ({});
  return { dataSource, sent: () => batches.map((params) => params.map(mssqlDeclaration)) };
}

const ID = '6f1c2a9e-3b7d-4e58-9a0c-1d2e3f4a5b6c';

describe('SQL Server parameter types', () => {
  it('sends query-builder parameters typed: Date as datetime2(7), ASCII strings as varchar', async () => {
    const { dataSource, sent } = await recordingDataSource();
    await dataSource
      .createQueryBuilder(ProbeEntity, 'p')
      .where('p.created_at >= :at', { at: new Date('2026-03-08T14:00:00.003Z') })
      .andWhere('p.id > :id', { id: ID })
      .andWhere('p.status = :status', { status: 'scheduled' })
      .limit(5)
      .getRawMany();
    // Without the typed driver these would be `datetime` (1/300 s) and `nvarchar(36)` / `nvarchar(9)`.
    expect(sent()).toEqual([['@0 datetime2(7)', '@1 varchar(8000)', '@2 varchar(8000)']]);
  });

  it('sends a non-ASCII string as nvarchar, so nothing is lost on the way', async () => {
    const { dataSource, sent } = await recordingDataSource();
    await dataSource.createQueryBuilder(ProbeEntity, 'p').where('p.name = :name', { name: 'Zoë 日本' }).getRawMany();
    expect(sent()).toEqual([['@0 nvarchar(4000)']]);
  });

  it('types inserts and find-by-id lookups the same way (TypeORM passes them untyped)', async () => {
    const { dataSource, sent } = await recordingDataSource();
    await dataSource.manager.insert(ProbeEntity, {
      id: ID,
      name: 'Ann',
      status: 'active',
      createdAt: new Date('2026-03-08T14:00:00.009Z'),
    });
    await dataSource.manager.insert(ProbeEntity, { id: ID, name: 'Åsa', status: 'active', createdAt: new Date() });
    await dataSource.getRepository(ProbeEntity).findOneBy({ id: ID });
    expect(sent()).toEqual([
      ['@0 varchar(8000)', '@1 varchar(8000)', '@2 varchar(8000)', '@3 datetime2(7)'],
      ['@0 varchar(8000)', '@1 nvarchar(4000)', '@2 varchar(8000)', '@3 datetime2(7)'],
      [expect.stringMatching(/^@0 varchar\(8000\)$/)],
    ]);
  });

  it('keeps a declared column length, but never sends datetime or nvarchar for an ASCII value', () => {
    const driver = loadTypedMssqlDriver();
    const request = new driver.Request() as unknown as {
      input(...args: unknown[]): unknown;
      parameters: Record<string, MssqlRecordedParameter>;
    };
    request.input('0', realMssql.NVarChar(36), ID);
    request.input('1', realMssql.NVarChar(100), 'Zoë');
    request.input('2', realMssql.DateTime, new Date('2026-03-08T14:00:00.003Z'));
    request.input('3', realMssql.NVarChar(4), 'longer than four');
    expect(Object.values(request.parameters).map(mssqlDeclaration)).toEqual([
      '@0 varchar(36)',
      '@1 nvarchar(100)',
      '@2 datetime2(7)',
      '@3 varchar(max)',
    ]);
  });

  it('declares values longer than the fixed length as max, and leaves numbers and booleans to node-mssql', async () => {
    const { dataSource, sent } = await recordingDataSource();
    await dataSource.query('SELECT @0, @1, @2, @3, @4', ['x'.repeat(9000), 'é'.repeat(5000), 42, 2.5, true]);
    expect(sent()).toEqual([['@0 varchar(max)', '@1 nvarchar(max)', '@2 int', '@3 float', '@4 bit']]);
  });

  it('is what the application uses: the loaded driver is node-mssql with the typed Request', () => {
    const driver = loadTypedMssqlDriver();
    expect(driver.DateTime2).toBe(realMssql.DateTime2);
    expect(driver.Request.prototype).toBeInstanceOf(realMssql.Request);
  });
});
