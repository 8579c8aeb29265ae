import type { EntityTarget, ObjectLiteral } from 'typeorm';
import type { TestApp } from './test-app';

/**
 * Pages `path` one item at a time (following `nextCursor`) and returns the ids in the order seen, failing
 * rather than looping when a page repeats an id or there are more than `expected + 1` pages.
 */
export async function walkPages(
  t: TestApp,
  path: string,
  auth: Record<string, string>,
  expected: number,
): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page <= expected + 1; page++) {
    const separator = path.includes('?') ? '&' : '?';
    const url: string = `${path}${separator}limit=1${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await t.http.get(url).set(auth).expect(200);
    const ids = (res.body.data as { id: string }[]).map((item) => item.id);
    const repeated = ids.filter((id) => seen.includes(id));
    if (repeated.length > 0)
      throw new Error(`${path}: page ${page + 1} returned ${repeated.join(', ')} again`);
    seen.push(...ids);
    cursor = res.body.nextCursor;
    if (!cursor) return seen;
  }
  throw new Error(`${path}: still had a next page after ${expected + 1} pages`);
}

/** Sets timestamp columns of one row through TypeORM, so each dialect stores them as the application would. */
export async function setInstant(
  t: TestApp,
  table: string,
  id: string,
  changes: Record<string, Date>,
): Promise<void> {
  const metadata = t.dataSource.entityMetadatas.find((m) => m.tableName === table);
  if (!metadata) throw new Error(`no entity for table ${table}`);
  await t.dataSource.getRepository(metadata.target as EntityTarget<ObjectLiteral>).update({ id }, changes);
}

/** The ids in the order keyset lists promise: ascending by instant, then by id. */
export function byInstantThenId(rows: { id: string; at: Date }[]): string[] {
  return [...rows]
    .sort((a, b) => a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((row) => row.id);
}
