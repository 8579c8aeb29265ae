import type { TestApp } from '@aero/testing';
import { createApiKey, createTestApp } from '@aero/testing';
import { dispatchUntil, emit, WEBHOOK_TEST_ENV } from './helpers';
import { TestReceiver } from './receiver';

jest.setTimeout(120_000);

/** Instants a millisecond apart, with a tie on the very same millisecond (broken by id) and a carry. */
const BASE = Date.parse('2027-04-01T10:00:00.000Z');
const OFFSETS_MS = [0, 1, 2, 3, 332, 333, 334, 997, 998, 999, 999, 999, 1000, 1001];

/** Pages `path` one item at a time and returns the ids in the order seen (failing, not looping, on a repeat). */
async function walk(t: TestApp, path: string, auth: Record<string, string>, expected: number): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page <= expected + 1; page++) {
    const url: string = `${path}?limit=1${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await t.http.get(url).set(auth).expect(200);
    const ids = (res.body.data as { id: string }[]).map((item) => item.id);
    const repeated = ids.filter((id) => seen.includes(id));
    if (repeated.length > 0) throw new Error(`${path}: page ${page + 1} returned ${repeated.join(', ')} again`);
    seen.push(...ids);
    cursor = res.body.nextCursor;
    if (!cursor) return seen;
  }
  throw new Error(`${path}: still had a next page after ${expected + 1} pages`);
}

/** Ascending by instant, then by id: the order the API promises for endpoints (deliveries: the reverse). */
function byInstantThenId(rows: { id: string; at: Date }[]): string[] {
  return [...rows]
    .sort((a, b) => a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((row) => row.id);
}

describe('webhook lists page by (createdAt, id) without gaps or repeats (e2e)', () => {
  let t: TestApp;
  let receiver: TestReceiver;
  let admin: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp({ env: WEBHOOK_TEST_ENV });
    receiver = await TestReceiver.start();
    admin = (await createApiKey(t, { scopes: ['admin'] })).authHeader;
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  /** Sets `created_at` through TypeORM, so each dialect stores it as the application would. */
  async function setCreatedAt(table: string, id: string, at: Date): Promise<void> {
    const metadata = t.dataSource.entityMetadatas.find((m) => m.tableName === table);
    if (!metadata) throw new Error(`no entity for table ${table}`);
    await t.dataSource.getRepository(metadata.target).update({ id }, { createdAt: at });
  }

  it('GET /v1/webhook-endpoints shows every endpoint once, oldest first', async () => {
    const rows: { id: string; at: Date }[] = [];
    for (const ms of OFFSETS_MS) {
      const created = await t.http.post('/v1/webhook-endpoints').set(admin).send({ url: receiver.url, types: ['member.created'] }).expect(201);
      const at = new Date(BASE + ms);
      await setCreatedAt('webhook_endpoints', created.body.id as string, at);
      rows.push({ id: created.body.id as string, at });
    }
    expect(await walk(t, '/v1/webhook-endpoints', admin, rows.length)).toEqual(byInstantThenId(rows));
  });

  it("GET /v1/webhook-endpoints/{id}/deliveries shows every delivery once, newest first", async () => {
    receiver.mode = { answer: 204 };
    const endpoint = await t.http.post('/v1/webhook-endpoints').set(admin).send({ url: receiver.url, types: ['session.updated'] }).expect(201);
    const id = endpoint.body.id as string;
    for (let i = 0; i < OFFSETS_MS.length; i++) await emit(t, 'session.updated', null, { id: `s${i}` });
    await dispatchUntil(t, () => receiver.received.length >= OFFSETS_MS.length, 40);
    const delivered = (await t.http.get(`/v1/webhook-endpoints/${id}/deliveries?limit=100`).set(admin).expect(200)).body as {
      data: { id: string }[];
    };
    expect(delivered.data).toHaveLength(OFFSETS_MS.length);
    const rows = delivered.data.map((d, i) => ({ id: d.id, at: new Date(BASE + OFFSETS_MS[i]) }));
    for (const row of rows) await setCreatedAt('webhook_deliveries', row.id, row.at);
    expect(await walk(t, `/v1/webhook-endpoints/${id}/deliveries`, admin, rows.length)).toEqual(byInstantThenId(rows).reverse());
  });
});
