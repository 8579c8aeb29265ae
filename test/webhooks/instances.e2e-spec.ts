import { WebhookDispatcher } from '@aero/events';
import { createApiKey, createPeerApp, createTestApp, moveDateForward } from '@aero/testing';
import type { TestApp } from '@aero/testing';
import { dispatch, emit, WEBHOOK_TEST_ENV } from './helpers';
import { TestReceiver } from './receiver';

describe('webhooks with two API instances on one database', () => {
  let a: TestApp;
  let b: TestApp;
  let receiver: TestReceiver;
  let admin: Record<string, string>;

  beforeAll(async () => {
    // Instances of one deployment share the key that seals signing secrets (createPeerApp passes it on).
    const env = { ...WEBHOOK_TEST_ENV, WEBHOOKS_MAX_IN_FLIGHT: '2' };
    a = await createTestApp({ env, shareableDatabase: true });
    b = await createPeerApp(a, { env });
    receiver = await TestReceiver.start();
    admin = (await createApiKey(a, { scopes: ['admin'] })).authHeader;
  });
  afterAll(async () => {
    jest.useRealTimers();
    await receiver.close();
    await b.close();
    await a.close();
  });

  it('makes one delivery per event and sends each once, whichever instance claims it', async () => {
    const created = await a.http.post('/v1/webhook-endpoints').set(admin).send({ url: receiver.url, types: ['*'] }).expect(201);
    const emitted = [];
    for (let i = 0; i < 12; i++) emitted.push((await emit(i % 2 ? a : b, 'booking.created', null, { n: i })).id);
    for (let round = 0; round < 30 && new Set(receiver.ids()).size < emitted.length; round++) {
      await Promise.all([dispatch(a), dispatch(b)]);
    }
    // Every event arrived, and exactly once: no attempt was ambiguous (the receiver always answered 204).
    expect([...receiver.ids()].sort()).toEqual([...emitted].sort());
    const page = await a.http.get(`/v1/webhook-endpoints/${created.body.id}/deliveries?limit=100`).set(admin).expect(200);
    expect(page.body.data).toHaveLength(12);
    expect(page.body.data.every((d: { status: string; attemptCount: number }) => d.status === 'succeeded' && d.attemptCount === 1)).toBe(true);
    await a.http.patch(`/v1/webhook-endpoints/${created.body.id}`).set(admin).send({ enabled: false }).expect(200);
  });

  it('never has more than WEBHOOKS_MAX_IN_FLIGHT attempts at one endpoint across instances', async () => {
    receiver.received.length = 0;
    receiver.mode = 'hang';
    const created = await a.http.post('/v1/webhook-endpoints').set(admin).send({ url: receiver.url, types: ['member.created'] }).expect(201);
    for (let i = 0; i < 6; i++) await emit(a, 'member.created');
    // Rounds on both instances while the first attempts hang: claims stop at the cap.
    for (let round = 0; round < 3; round++) await Promise.all([a.app.get(WebhookDispatcher).runOnce(), b.app.get(WebhookDispatcher).runOnce()]);
    const inFlight = a.app.get(WebhookDispatcher).attemptsInFlight + b.app.get(WebhookDispatcher).attemptsInFlight;
    expect(inFlight).toBe(2);
    receiver.mode = { answer: 204 };
    await Promise.all([a.app.get(WebhookDispatcher).idle(), b.app.get(WebhookDispatcher).idle()]);
    await a.http.patch(`/v1/webhook-endpoints/${created.body.id}`).set(admin).send({ enabled: false }).expect(200);
  });

  it("takes over a crashed instance's claim once its lease is over", async () => {
    receiver.received.length = 0;
    receiver.mode = { answer: 204 };
    const created = await a.http.post('/v1/webhook-endpoints').set(admin).send({ url: receiver.url, types: ['waiver.signed'] }).expect(201);
    const event = await emit(a, 'waiver.signed');
    // A first attempt fails (the receiver is away), then an instance claims the retry and dies mid-send.
    await receiver.goAway();
    await dispatch(a);
    await receiver.listen();
    const lease = new Date(Date.now() + a.config.webhooks.claimLeaseSeconds * 1000);
    await a.dataSource
      .createQueryBuilder()
      .update('webhook_deliveries')
      .set({ status: 'delivering', nextAttemptAt: new Date(), claimedUntil: lease, claimToken: '00000000-0000-4000-8000-00000000dead' })
      .where('endpoint_id = :id', { id: created.body.id })
      .execute();
    await dispatch(b);
    expect(receiver.received).toHaveLength(0); // the dead instance's claim still holds
    moveDateForward((a.config.webhooks.claimLeaseSeconds + 1) * 1000);
    await dispatch(b);
    jest.useRealTimers();
    expect(receiver.ids()).toEqual([event.id]);
    const page = await a.http.get(`/v1/webhook-endpoints/${created.body.id}/deliveries`).set(admin).expect(200);
    expect(page.body.data[0].status).toBe('succeeded');
  });
});
