import type { AppConfig, ReadDataSource, TransactionService } from '@aero/core';
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

  it('writes 1000 records as 7 statements, none over the parameter limit (SQL Server placeholders)', async () => {
    const statements: Array<{ sql: string; params: unknown[] }> = [];
    const properties = [
      'id',
      'occurredAt',
      'principalKind',
      'principalId',
      'app',
      'method',
      'route',
      'status',
      'latencyUs',
      'responseBytes',
      'clientIp',
      'throttled',
      'replayed',
    ];
    const dataSource = {
      manager: { query: async (sql: string, params: unknown[]) => void statements.push({ sql, params }) },
      driver: {
        escape: (name: string) => `"${name}"`,
        createParameter: (_name: string, index: number) => `@${index}`,
      },
      getMetadata: () => ({
        tableName: 'usage_events',
        columns: properties.map((propertyName) => ({ propertyName, databaseName: propertyName })),
      }),
    } as unknown as DataSource;
    const repo = new UsageRepository(
      dataSource,
      {} as TransactionService,
      { db: { type: 'mssql' } } as AppConfig,
      {} as ReadDataSource,
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
      throttled: i % 2 === 0,
      replayed: false,
    }));
    await repo.insertEvents(records);
    expect(statements.map((s) => s.params.length)).toEqual([
      ...new Array(6).fill(153 * EVENT_COLUMNS),
      (1000 - 6 * 153) * EVENT_COLUMNS,
    ]);
    for (const { sql, params } of statements) {
      expect(params.length).toBeLessThanOrEqual(MAX_PARAMETERS_PER_STATEMENT);
      // one placeholder per parameter, numbered from 0 in each statement
      expect(sql.match(/@\d+/g)).toHaveLength(params.length);
      expect(sql).toContain(`@${params.length - 1})`);
    }
    expect(statements[0].sql.startsWith('INSERT INTO "usage_events" ("id", "occurredAt", ')).toBe(true);
    // booleans become bits on SQL Server
    expect(statements[0].params[11]).toBe(1);
  });
});
