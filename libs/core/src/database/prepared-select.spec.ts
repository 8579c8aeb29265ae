import 'reflect-metadata';
import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { PreparedSelect } from './prepared-select';

@Entity({ name: 'things' })
class ThingEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'display_name', type: 'varchar', length: 50 })
  displayName: string;

  @Column({ type: 'int' })
  version: number;

  @Column({ name: 'deleted_at', type: 'datetime', nullable: true })
  deletedAt: Date | null;
}

describe('PreparedSelect', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [ThingEntity], synchronize: true });
    await dataSource.initialize();
    await dataSource.getRepository(ThingEntity).insert([
      { id: 'a', displayName: 'Alpha', version: 3, deletedAt: null },
      { id: 'b', displayName: 'Beta', version: 1, deletedAt: new Date('2026-01-02T03:04:05Z') },
    ]);
  });
  afterAll(() => dataSource.destroy());

  it('renders its SQL once and returns entities as getOne() would, each call with its own parameters', async () => {
    const build = jest.fn((manager: DataSource['manager']) =>
      manager
        .getRepository(ThingEntity)
        .createQueryBuilder('t')
        .where('t.version >= :min')
        .andWhere('t.id = :id'),
    );
    const query = new PreparedSelect<ThingEntity>(build, ['id', 'min']);

    const alpha = await query.one(dataSource.manager, { id: 'a', min: 1 });
    expect(alpha).toBeInstanceOf(ThingEntity);
    expect(alpha).toEqual(
      await dataSource.getRepository(ThingEntity).createQueryBuilder('t').where('t.id = :id', { id: 'a' }).getOne(),
    );
    expect(await query.one(dataSource.manager, { id: 'a', min: 4 })).toBeNull();
    expect((await query.one(dataSource.manager, { id: 'b', min: 0 }))?.deletedAt).toEqual(
      new Date('2026-01-02T03:04:05Z'),
    );
    expect(build).toHaveBeenCalledTimes(1);
  });
});
