import type { AppConfig, TransactionService } from '@aero/core';
import type { DataSource } from 'typeorm';
import type { UsageRecord } from './usage-record';
import { MAX_PARAMETERS_PER_STATEMENT, rowsPerInsert, UsageRepository } from './usage.repository';

/** The raw table's columns (id … replayed), as the migration creates them. */
const EVENT_COLUMNS = 13;

describe('UsageRepository.insertEvents', () => {
  it('keeps each multi-row INSERT within SQL Server’s 2100 parameters', () => {
    expect(rowsPerInsert(EVENT_COLUMNS) * EVENT_COLUMNS).toBeLessThanOrEqual(MAX_PARAMETERS_PER_STATEMENT);
    expect(rowsPerInsert(EVENT_COLUMNS)).toBe(153);
    for (let columns = 1; columns <= 60; columns++) {
      expect(rowsPerInsert(columns) * columns).toBeLessThan(MAX_PARAMETERS_PER_STATEMENT);
    }
  });

  it('writes 1000 records as 7 statements, none over the parameter limit', async () => {
    const statements: number[] = [];
    const builder = {
      insert: () => builder,
      into: () => builder,
      values: (rows: object[]) => {
        statements.push(rows.length * Object.keys(rows[0]).length);
        return builder;
      },
      updateEntity: () => builder,
      execute: async () => undefined,
    };
    const dataSource = {
      manager: { createQueryBuilder: () => builder },
      getMetadata: () => ({ columns: new Array(EVENT_COLUMNS) }),
    } as unknown as DataSource;
    const repo = new UsageRepository(
      dataSource,
      {} as TransactionService,
      { db: { type: 'mssql' } } as AppConfig,
    );
    const records: UsageRecord[] = Array.from({ length: 1000 }, (_, i) => ({
      at: Date.now(),
      principalKind: 'user',
      principalId: `u${i}`,
      app: '',
      method: 'GET',
      route: '/v1/auth/me',
      status: 200,
      latencyUs: 900,
      responseBytes: 10,
      clientIp: '::1',
      throttled: false,
      replayed: false,
    }));
    await repo.insertEvents(records);
    expect(statements).toHaveLength(7);
    expect(Math.max(...statements)).toBeLessThanOrEqual(MAX_PARAMETERS_PER_STATEMENT);
    // every row of the entity is one parameter per column
    expect(statements[0]).toBe(153 * EVENT_COLUMNS);
  });
});
