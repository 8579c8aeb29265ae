import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import type { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { ReadDataSource } from './read-data-source';
import { TransactionService } from './transaction.service';

const reset = (): Error => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

/** A primary and one replica whose queries can be made to fail; the lag query always answers 0. */
function servers(): { dataSource: DataSource; replica: EntityManager; replicaFails: { now: boolean } } {
  const replicaFails = { now: false };
  const replica = { label: 'replica' } as unknown as EntityManager;
  const dataSource = {
    manager: { label: 'primary' },
    options: { type: 'postgres', replication: { master: {}, slaves: [{}] } },
    driver: {},
    createQueryRunner: () => ({
      manager: replica,
      connect: async () => undefined,
      release: async () => undefined,
      query: async () => {
        if (replicaFails.now) throw reset();
        return [{ lag_ms: 0 }];
      },
    }),
  } as unknown as DataSource;
  return { dataSource, replica, replicaFails };
}

function setUp(): { reader: ReadDataSource; tx: TransactionService; replicaFails: { now: boolean }; replica: EntityManager } {
  const { dataSource, replica, replicaFails } = servers();
  const config = {
    db: {
      type: 'postgres',
      transactionMaxRetries: 0,
      breakerFailureThreshold: 1,
      breakerHalfOpenAfterMs: 5000,
      replica: { host: 'replica' },
      replicaMaxLagMs: 1000,
      replicaCheckIntervalMs: 60_000,
    },
  } as unknown as AppConfig;
  const moduleRef = {
    get: () => {
      throw new Error('no metrics here');
    },
  } as unknown as ModuleRef;
  return {
    reader: new ReadDataSource(dataSource, config, moduleRef),
    tx: new TransactionService(dataSource, config),
    replicaFails,
    replica,
  };
}

describe('ReadDataSource', () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('answers from the primary when the replica fails mid-read, without a 503 and with the primary breaker closed', async () => {
    const { reader, tx, replicaFails, replica } = setUp();
    expect(await reader.check()).toBe('up');
    replicaFails.now = true;
    const servedBy: string[] = [];
    // A feature's listing: its repository reads `reader.manager` inside the transaction service's `read`.
    const listing = () =>
      tx.read(async () => {
        const manager = reader.manager;
        if (manager === replica) throw reset();
        servedBy.push((manager as unknown as { label: string }).label);
        return ['row'];
      });
    // A breaker that opens on its first counted failure: any replica failure counted would show.
    expect(await reader.read(listing)).toEqual(['row']);
    expect({ servedBy, state: reader.state, breaker: tx.breaker.state }).toEqual({
      servedBy: ['primary'],
      state: 'down',
      breaker: 'closed',
    });
  });

  it('asks the primary when the replica has not seen what the caller already has', async () => {
    const { reader, replica } = setUp();
    await reader.check();
    const seenOn: string[] = [];
    const page = await reader.read(
      async () => (reader.manager === replica ? [] : ['newer']),
      async () => {
        seenOn.push(reader.manager === replica ? 'replica' : 'primary');
        return false;
      },
    );
    expect({ page, seenOn, state: reader.state }).toEqual({ page: ['newer'], seenOn: ['replica'], state: 'up' });
  });

  it('keeps a replica answer the caller accepts', async () => {
    const { reader, replica } = setUp();
    await reader.check();
    const page = await reader.read(
      async () => (reader.manager === replica ? ['from replica'] : ['from primary']),
      async () => true,
    );
    expect(page).toEqual(['from replica']);
  });
});
