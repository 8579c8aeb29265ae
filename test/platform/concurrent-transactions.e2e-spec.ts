import { TransactionService } from '@aero/core';
import type { TestApp } from '@aero/testing';
import { createTestApp, sqlFor } from '@aero/testing';

// Units of work that wait on real I/O mid-transaction (a timer here; a hash or a Redis call in practice)
// must not trip over each other, on any dialect. SQLite shares one connection, so they queue.
describe('concurrent transactions (e2e)', () => {
  let t: TestApp;
  let tx: TransactionService;
  /** Raw SQL written once with $n placeholders, rewritten for the run's dialect. */
  const sql = (statement: string): string => sqlFor(t.config.db.type, statement);

  beforeAll(async () => {
    t = await createTestApp();
    tx = t.app.get(TransactionService);
    await t.dataSource.query('CREATE TABLE tx_probe (id INTEGER PRIMARY KEY, note VARCHAR(20))');
  });
  afterAll(async () => {
    await t.close();
  });

  it('commits every one of 10 overlapping transactions that await I/O between statements', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        tx.run(async () => {
          await tx.manager.query(sql('INSERT INTO tx_probe (id, note) VALUES ($1, $2)'), [i, 'first']);
          await new Promise((resolve) => setTimeout(resolve, 5));
          await tx.manager.query(
            sql('UPDATE tx_probe SET note = $1 WHERE id = $2'),
            ['second', i],
          );
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const rows: { note: string }[] = await t.dataSource.query('SELECT note FROM tx_probe');
    expect(rows.map((r) => r.note)).toEqual(Array(10).fill('second'));
  });

  it('rolls back only the failing transaction when overlapping ones succeed', async () => {
    await t.dataSource.query('DELETE FROM tx_probe');
    const ok = tx.run(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      await tx.manager.query(sql('INSERT INTO tx_probe (id, note) VALUES (1, $1)'), ['kept']);
    });
    const failing = tx.run(async () => {
      await tx.manager.query(sql('INSERT INTO tx_probe (id, note) VALUES (2, $1)'), ['lost']);
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw new Error('business rule failed');
    });
    await expect(failing).rejects.toThrow('business rule failed');
    await ok;
    const rows: { id: number; note: string }[] = await t.dataSource.query('SELECT id, note FROM tx_probe ORDER BY id');
    expect(rows.map((r) => [Number(r.id), r.note])).toEqual([[1, 'kept']]);
  });
});
