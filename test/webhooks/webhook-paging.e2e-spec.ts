import type { TestApp } from '@aero/testing';
import { byInstantThenId, setInstant, walkPages } from '@aero/testing';
import { dispatchUntil, emit, startWebhookApp, stopWebhookApp } from './helpers';
import type { TestReceiver } from './receiver';

jest.setTimeout(120_000);

/** Instants a millisecond apart, with a tie on the very same millisecond (broken by id) and a carry. */
const BASE = Date.parse('2027-04-01T10:00:00.000Z');
const OFFSETS_MS = [0, 1, 2, 3, 332, 333, 334, 997, 998, 999, 999, 999, 1000, 1001];

describe('webhook lists page by (createdAt, id) without gaps or repeats (e2e)', () => {
  let t: TestApp;
  let receiver: TestReceiver;
  let admin: Record<string, string>;

  beforeAll(async () => ({ t, receiver, admin } = await startWebhookApp()));
  afterAll(() => stopWebhookApp({ t, receiver }));

  it('GET /v1/webhook-endpoints shows every endpoint once, oldest first', async () => {
    const rows: { id: string; at: Date }[] = [];
    for (const ms of OFFSETS_MS) {
      const created = await t.http.post('/v1/webhook-endpoints').set(admin).send({ url: receiver.url, types: ['member.created'] }).expect(201);
      const at = new Date(BASE + ms);
      await setInstant(t, 'webhook_endpoints', created.body.id as string, { createdAt: at });
      rows.push({ id: created.body.id as string, at });
    }
    expect(await walkPages(t, '/v1/webhook-endpoints', admin, rows.length)).toEqual(byInstantThenId(rows));
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
    for (const row of rows) await setInstant(t, 'webhook_deliveries', row.id, { createdAt: row.at });
    expect(await walkPages(t, `/v1/webhook-endpoints/${id}/deliveries`, admin, rows.length)).toEqual(byInstantThenId(rows).reverse());
  });
});
