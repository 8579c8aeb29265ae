import type { EntityManager, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { RawSqlResultsToEntityTransformer } from 'typeorm/query-builder/transformer/RawSqlResultsToEntityTransformer';

interface Prepared<E extends ObjectLiteral> {
  sql: string;
  /** The parameter name for each placeholder, in the order the SQL uses them. */
  order: string[];
  builder: SelectQueryBuilder<E>;
}

const sentinel = (i: number) => `\u0000prepared-select-parameter-${i}`;

/**
 * A hot read whose SQL a query builder renders once per data source, then only runs: building the SQL
 * (alias maps, metadata walks, escaping) costs more than a primary-key lookup itself. Rows are turned into
 * entities by TypeORM's own transformer, exactly as `getMany()` would. Use it for reads on every request
 * (member by id), not for queries whose shape varies with the call.
 */
export class PreparedSelect<E extends ObjectLiteral> {
  private readonly byDataSource = new WeakMap<object, Prepared<E>>();

  /** `build` must only use the named parameters `names` (values are bound per call). */
  constructor(
    private readonly build: (manager: EntityManager) => SelectQueryBuilder<E>,
    private readonly names: readonly string[],
  ) {}

  async many(manager: EntityManager, params: Record<string, unknown>): Promise<E[]> {
    const { sql, order, builder } = this.prepare(manager);
    const raw = (await manager.query(
      sql,
      order.map((name) => params[name]),
    )) as unknown[];
    const alias = builder.expressionMap.mainAlias;
    if (!alias) throw new Error('PreparedSelect needs a query builder with a main alias');
    return new RawSqlResultsToEntityTransformer(
      builder.expressionMap,
      manager.connection.driver,
      [],
      manager.queryRunner,
    ).transform(raw, alias) as E[];
  }

  async one(manager: EntityManager, params: Record<string, unknown>): Promise<E | null> {
    return (await this.many(manager, params))[0] ?? null;
  }

  private prepare(manager: EntityManager): Prepared<E> {
    let prepared = this.byDataSource.get(manager.connection);
    if (!prepared) {
      const builder = this.build(manager);
      builder.setParameters(Object.fromEntries(this.names.map((name, i) => [name, sentinel(i)])));
      const [sql, values] = builder.getQueryAndParameters();
      const order = values.map((value: unknown) => {
        const plain = value && typeof value === 'object' && 'value' in value ? (value as { value: unknown }).value : value;
        const index = this.names.findIndex((_, i) => plain === sentinel(i));
        if (index === -1) throw new Error('PreparedSelect: the query uses a parameter it was not given by name');
        return this.names[index];
      });
      prepared = { sql, order, builder };
      this.byDataSource.set(manager.connection, prepared);
    }
    return prepared;
  }
}
