import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager, ObjectLiteral } from 'typeorm';
import { DataSource } from 'typeorm';
import { AppConfig, dialectErrors, ReadDataSource, TransactionService, whereAfter } from '@aero/core';
import type { DialectErrors } from '@aero/core';
import type { PrincipalWindow } from './anomalies';
import type { UsageFact, UsageGroup } from './rollup';
import { HOUR_MS } from './rollup';
import type { PrincipalKind, UsageRecord } from './usage-record';
import { UsageEventEntity, UsageHourlyEntity, UsageRollupHourEntity } from './usage.entities';
import { UsageSink } from './usage.recorder';

/** SQL Server accepts at most 2100 parameters in one statement; PostgreSQL and SQLite allow more. */
export const MAX_PARAMETERS_PER_STATEMENT = 2100;

/** Rows per multi-row INSERT so that rows × columns stays within the parameter limit (with room to spare). */
export function rowsPerInsert(columnCount: number): number {
  return Math.max(1, Math.floor((MAX_PARAMETERS_PER_STATEMENT - 100) / columnCount));
}

export function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

export interface PrincipalFilter {
  principalKind: PrincipalKind;
  principalId: string;
}

const PAGE_SIZE = 5000;

/** The only code that knows how the usage ledger is stored. */
@Injectable()
export class UsageRepository extends UsageSink {
  private readonly errors: DialectErrors;
  /** A value as this dialect's driver stores it (what TypeORM's UTC datetime and boolean columns do). */
  private readonly toParameter: (value: unknown) => unknown;

  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionService,
    config: AppConfig,
    private readonly reader: ReadDataSource,
  ) {
    super();
    const dialect = config.db.type;
    this.toParameter =
      dialect === 'sqlite'
        ? (v) =>
            v instanceof Date
              ? v.toISOString().replace('T', ' ').slice(0, 23)
              : typeof v === 'boolean'
                ? Number(v)
                : v
        : dialect === 'mssql'
          ? (v) => (typeof v === 'boolean' ? Number(v) : v)
          : (v) => v;
    this.errors = dialectErrors(config.db.type);
  }

  /** Multi-row INSERTs, chunked under the parameter limit; one statement per chunk, no transaction. */
  async insertEvents(records: UsageRecord[]): Promise<void> {
    const rows = records.map((r): Omit<UsageEventEntity, never> => ({
      id: randomUUID(),
      occurredAt: new Date(r.at),
      principalKind: r.principalKind,
      principalId: r.principalId,
      app: r.app.slice(0, 32),
      method: r.method.slice(0, 10),
      route: r.route.slice(0, 200),
      status: r.status,
      latencyUs: Math.min(r.latencyUs, 2_147_483_647),
      responseBytes: Math.min(r.responseBytes, 2_147_483_647),
      clientIp: r.clientIp.slice(0, 45),
      throttled: r.throttled,
      replayed: r.replayed,
    }));
    await this.insertChunked(this.dataSource.manager, UsageEventEntity, rows);
  }

  /**
   * Builds the multi-row INSERT itself: TypeORM's insert builder takes ~75 ms to render 150 rows (it grows
   * faster than the row count) and its generic value preparation ~5 µs a value, more CPU than the requests
   * being recorded. These tables hold only strings, numbers, booleans and UTC instants, converted here as
   * the driver would; placeholders are the driver's own (`?`, `$n`, `@n`).
   */
  private async insertChunked(
    manager: EntityManager,
    entity: new () => ObjectLiteral,
    rows: ObjectLiteral[],
  ): Promise<void> {
    const driver = this.dataSource.driver;
    const columns = this.dataSource.getMetadata(entity).columns.map((c) => c.propertyName);
    const names = this.dataSource.getMetadata(entity).columns.map((c) => driver.escape(c.databaseName));
    const head = `INSERT INTO ${driver.escape(this.dataSource.getMetadata(entity).tableName)} (${names.join(', ')}) VALUES `;
    const value = this.toParameter;
    for (const part of chunk(rows, rowsPerInsert(columns.length))) {
      const params: unknown[] = [];
      const tuples: string[] = [];
      for (const row of part) {
        const placeholders: string[] = [];
        for (const column of columns) {
          params.push(value(row[column]));
          placeholders.push(driver.createParameter('', params.length - 1));
        }
        tuples.push(`(${placeholders.join(', ')})`);
      }
      await manager.query(head + tuples.join(', '), params);
    }
  }

  /** Start of the first hour not rolled up yet (hours are claimed in order), or undefined before any. */
  async rollupWatermark(): Promise<number | undefined> {
    const last = await this.reader.manager
      .getRepository(UsageRollupHourEntity)
      .createQueryBuilder('r')
      .orderBy('r.hourStart', 'DESC')
      .limit(1)
      .getOne();
    return last ? last.hourStart.getTime() + HOUR_MS : undefined;
  }

  async earliestEventAtOrAfter(at: number): Promise<number | undefined> {
    const first = await this.dataSource.manager
      .getRepository(UsageEventEntity)
      .createQueryBuilder('e')
      .select(['e.id', 'e.occurredAt'])
      .where('e.occurredAt >= :at', { at: new Date(at) })
      .orderBy('e.occurredAt', 'ASC')
      .limit(1)
      .getOne();
    return first?.occurredAt.getTime();
  }

  /** Raw records in [from, to), optionally of one principal, read in keyset pages. */
  async factsBetween(from: number, to: number, principal?: PrincipalFilter): Promise<UsageFact[]> {
    const facts: UsageFact[] = [];
    let after: { at: Date; id: string } | undefined;
    for (;;) {
      const query = this.reader.manager
        .getRepository(UsageEventEntity)
        .createQueryBuilder('e')
        .where('e.occurredAt >= :from AND e.occurredAt < :to', { from: new Date(from), to: new Date(to) })
        .orderBy('e.occurredAt', 'ASC')
        .addOrderBy('e.id', 'ASC')
        .take(PAGE_SIZE);
      if (principal) {
        query.andWhere('e.principalKind = :kind AND e.principalId = :pid', {
          kind: principal.principalKind,
          pid: principal.principalId,
        });
      }
      whereAfter(query, 'e.occurredAt', 'e.id', after && { sort: after.at, id: after.id });
      const page = await query.getMany();
      for (const e of page) {
        facts.push({
          at: e.occurredAt.getTime(),
          principalKind: e.principalKind,
          principalId: e.principalId,
          app: e.app,
          method: e.method,
          route: e.route,
          status: e.status,
          latencyUs: e.latencyUs,
          responseBytes: e.responseBytes,
          clientIp: e.clientIp,
          throttled: e.throttled,
          replayed: e.replayed,
        });
      }
      if (page.length < PAGE_SIZE) return facts;
      const last = page[page.length - 1];
      after = { at: last.occurredAt, id: last.id };
    }
  }

  /** Rolled-up groups of the hours starting in [from, to), optionally of one principal. */
  async groupsBetween(from: number, to: number, principal?: PrincipalFilter): Promise<UsageGroup[]> {
    const query = this.reader.manager
      .getRepository(UsageHourlyEntity)
      .createQueryBuilder('h')
      .where('h.hourStart >= :from AND h.hourStart < :to', { from: new Date(from), to: new Date(to) });
    if (principal) {
      query.andWhere('h.principalKind = :kind AND h.principalId = :pid', {
        kind: principal.principalKind,
        pid: principal.principalId,
      });
    }
    const rows = await query.getMany();
    return rows.map((h) => ({
      hourStart: h.hourStart.getTime(),
      principalKind: h.principalKind,
      principalId: h.principalId,
      app: h.app,
      method: h.method,
      route: h.route,
      statusClass: h.statusClass,
      requests: h.requests,
      errors: h.errors,
      throttled: h.throttled,
      replayed: h.replayed,
      latencyP50Us: h.latencyP50Us,
      latencyP95Us: h.latencyP95Us,
      responseBytes: h.responseBytes,
      distinctClientIps: h.distinctClientIps,
    }));
  }

  /**
   * Claims the hour and stores its groups in one transaction. The claim is the hour's primary key: when
   * another instance got there first, the insert fails with a unique violation and this returns false
   * (no MERGE or upsert, so it reads the same on SQL Server, PostgreSQL and SQLite).
   */
  async claimHour(hour: number, groups: UsageGroup[], now: Date): Promise<boolean> {
    try {
      // A busy database (another instance's claim in flight) is retried like any transient error.
      await this.tx.run(async () => {
        const manager = this.tx.manager;
        await manager
          .createQueryBuilder()
          .insert()
          .into(UsageRollupHourEntity)
          .values({ hourStart: new Date(hour), rolledAt: now, groupCount: groups.length })
          .updateEntity(false)
          .execute();
        const rows = groups.map((g) => ({
          ...g,
          id: randomUUID(),
          hourStart: new Date(g.hourStart),
          createdAt: now,
        }));
        await this.insertChunked(manager, UsageHourlyEntity, rows);
      });
      return true;
    } catch (error) {
      if (this.errors.isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** Per principal in [from, to): counts and distinct client IPs, aggregated by the database. */
  async windowsBetween(from: number, to: number): Promise<PrincipalWindow[]> {
    const rows = await this.reader.manager
      .getRepository(UsageEventEntity)
      .createQueryBuilder('e')
      .select('e.principalKind', 'kind')
      .addSelect('e.principalId', 'id')
      .addSelect('MAX(e.app)', 'app')
      .addSelect('COUNT(*)', 'requests')
      .addSelect('SUM(CASE WHEN e.status >= 400 THEN 1 ELSE 0 END)', 'errors')
      .addSelect('SUM(CASE WHEN e.status = 429 THEN 1 ELSE 0 END)', 'throttled')
      .addSelect('COUNT(DISTINCT e.clientIp)', 'ips')
      .where('e.occurredAt >= :from AND e.occurredAt < :to', { from: new Date(from), to: new Date(to) })
      .groupBy('e.principalKind')
      .addGroupBy('e.principalId')
      .getRawMany<{
        kind: PrincipalKind;
        id: string;
        app: string | null;
        requests: unknown;
        errors: unknown;
        throttled: unknown;
        ips: unknown;
      }>();
    return rows.map((r) => ({
      principalKind: r.kind,
      principalId: r.id,
      app: r.app ?? '',
      requests: Number(r.requests),
      errors: Number(r.errors),
      throttled: Number(r.throttled),
      distinctClientIps: Number(r.ips),
    }));
  }

  /** Raw records before `before` (only rolled-up hours are ever passed here). */
  async deleteEventsBefore(before: number): Promise<number> {
    const result = await this.dataSource.manager
      .createQueryBuilder()
      .delete()
      .from(UsageEventEntity)
      .where('occurred_at < :before', { before: new Date(before) })
      .execute();
    return result.affected ?? 0;
  }

  async deleteRollupsBefore(before: number): Promise<number> {
    const result = await this.dataSource.manager
      .createQueryBuilder()
      .delete()
      .from(UsageHourlyEntity)
      .where('hour_start < :before', { before: new Date(before) })
      .execute();
    // The newest claim marker stays: it is the roll-up watermark.
    await this.dataSource.manager
      .createQueryBuilder()
      .delete()
      .from(UsageRollupHourEntity)
      .where('hour_start < :before', {
        before: new Date(Math.min(before, ((await this.rollupWatermark()) ?? 0) - HOUR_MS)),
      })
      .execute();
    return result.affected ?? 0;
  }
}
