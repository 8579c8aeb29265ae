import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { adminAuth, createMember, createSession, moveDateForward } from '@aero/testing';
import type { TestApp } from '@aero/testing';
import { dispatch, dispatchUntil, emit, startWebhookApp, stopWebhookApp } from './helpers';
import type { TestReceiver } from './receiver';

describe('webhook deliveries (Standard Webhooks 1.0)', () => {
  let t: TestApp;
  let receiver: TestReceiver;
  let admin: Record<string, string>;

  beforeAll(async () => ({ t, receiver, admin } = await startWebhookApp({ WEBHOOKS_DISABLE_AFTER_HOURS: '80' })));
  afterAll(() => stopWebhookApp({ t, receiver }));
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.mode = { answer: 204 };
  });

  async function createEndpoint(body: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
    const res = await t.http
      .post('/v1/webhook-endpoints')
      .set(admin)
      .send({ url: receiver.url, types: ['*'], ...body })
      .expect(201);
    return res.body as { id: string; secret: string };
  }

  async function disable(id: string): Promise<void> {
    await t.http.patch(`/v1/webhook-endpoints/${id}`).set(admin).send({ enabled: false }).expect(200);
  }

  it('shows the signing secret once, and stores it only sealed', async () => {
    const created = await createEndpoint({ description: 'POS at Northside' });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const got = await t.http.get(`/v1/webhook-endpoints/${created.id}`).set(admin).expect(200);
    expect(JSON.stringify(got.body)).not.toContain(created.secret.slice(6));
    const list = await t.http.get('/v1/webhook-endpoints').set(admin).expect(200);
    expect(JSON.stringify(list.body)).not.toContain(created.secret.slice(6));
    const rows: { secret_sealed: string }[] = await t.app
      .get(DataSource)
      .query(`SELECT secret_sealed FROM webhook_endpoints WHERE id = '${created.id}'`);
    expect(rows[0].secret_sealed).toMatch(/^v1\./);
    expect(rows[0].secret_sealed).not.toContain(created.secret.slice(6, 30));
    await disable(created.id);
  });

  it('delivers each event as the feed shows it, signed so that the standardwebhooks package verifies it', async () => {
    const { id, secret } = await createEndpoint();
    const event = await emit(t, 'booking.created', null, { id: 'b-1', places: 2 });
    await dispatchUntil(t, () => receiver.received.length >= 1);
    const [delivery] = receiver.received;
    expect(delivery.headers['webhook-id']).toBe(event.id);
    expect(delivery.headers['content-type']).toBe('application/json');
    const verified = new Webhook(secret).verify(delivery.body, delivery.headers as Record<string, string>);
    expect(verified).toEqual(event);

    // A tampered body, a different secret, or a timestamp outside the 5-minute tolerance fail verification.
    expect(() => new Webhook(secret).verify(delivery.body.replace('b-1', 'b-2'), delivery.headers as Record<string, string>)).toThrow();
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(delivery.body, delivery.headers as Record<string, string>),
    ).toThrow();
    moveDateForward(6 * 60_000);
    expect(() => new Webhook(secret).verify(delivery.body, delivery.headers as Record<string, string>)).toThrow(/timestamp/i);
    jest.useRealTimers();
    await disable(id);
  });

  it('a booking made over the API arrives at the receiver as booking.created with the booking as GET returns it', async () => {
    const { id, secret } = await createEndpoint({ types: ['booking.created'] });
    const session = await createSession(t);
    const member = await createMember(t, { waiver: true });
    const staff = await adminAuth(t);
    const created = await t.http.post('/v1/bookings').set(staff).send({ sessionId: session.id, memberId: member.id, quantity: 1 }).expect(201);
    const got = await t.http.get(`/v1/bookings/${created.body.id}`).set(staff).expect(200);
    await dispatchUntil(t, () => receiver.received.length >= 1);
    const [delivery] = receiver.received;
    const event = new Webhook(secret).verify(delivery.body, delivery.headers as Record<string, string>) as {
      type: string;
      data: unknown;
      venueId: string;
    };
    expect(event.type).toBe('booking.created');
    expect(event.data).toEqual(got.body);
    expect(event.venueId).toBe(session.venueId);
    await disable(id);
  });

  it('sends both signatures during a secret rotation, and each secret verifies', async () => {
    const { id, secret: oldSecret } = await createEndpoint();
    const rotated = await t.http.post(`/v1/webhook-endpoints/${id}/rotate-secret`).set(admin).send({ gracePeriodHours: 2 }).expect(201);
    const newSecret = (rotated.body as { secret: string }).secret;
    expect(newSecret).not.toBe(oldSecret);
    expect((rotated.body as { previousSecretExpiresAt: string }).previousSecretExpiresAt).toBeTruthy();
    await emit(t, 'member.created');
    await dispatchUntil(t, () => receiver.received.length >= 1);
    const [delivery] = receiver.received;
    const headers = delivery.headers as Record<string, string>;
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(delivery.body, headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(delivery.body, headers)).not.toThrow();
    await disable(id);
  });

  it('retries through a 500, a timeout and a receiver that went away, on the schedule, until every event arrives', async () => {
    const { id } = await createEndpoint({ types: ['booking.created', 'booking.cancelled'] });
    receiver.mode = { answer: 500 };
    const first = await emit(t, 'booking.created');
    await emit(t, 'member.created'); // not subscribed: never sent
    await dispatchUntil(t, () => receiver.received.length >= 1);

    const deliveries = async () =>
      (await t.http.get(`/v1/webhook-endpoints/${id}/deliveries`).set(admin).expect(200)).body as {
        data: { eventId: string; status: string; nextAttemptAt: string | null; attempts: { startedAt: string; outcome: string; statusCode: number | null; error: string | null }[] }[];
      };
    const nominal = [5_000, 300_000, 1_800_000, 7_200_000];
    const checkNextWithinSchedule = async (attempt: number) => {
      const [d] = (await deliveries()).data;
      const last = d.attempts[d.attempts.length - 1];
      const gap = new Date(d.nextAttemptAt as string).getTime() - new Date(last.startedAt).getTime();
      expect(d.status).toBe('pending');
      expect(gap).toBeGreaterThanOrEqual(1_000);
      expect(gap).toBeLessThanOrEqual(nominal[attempt - 1] + 1_000);
      return gap;
    };
    // Nothing is sent again before its time.
    await dispatch(t);
    expect(receiver.received).toHaveLength(1);
    await checkNextWithinSchedule(1);

    receiver.mode = 'hang';
    moveDateForward(nominal[0]);
    await dispatchUntil(t, () => receiver.received.length >= 2);
    await checkNextWithinSchedule(2);

    await receiver.goAway();
    moveDateForward(nominal[1]);
    const second = await emit(t, 'booking.cancelled');
    await dispatch(t);
    await dispatch(t);
    await checkNextWithinSchedule(3);

    await receiver.listen();
    receiver.mode = { answer: 200 };
    moveDateForward(nominal[2]);
    await dispatchUntil(t, () => new Set(receiver.ids()).has(second.id) && receiver.ids().filter((i) => i === first.id).length >= 3);

    const page = await deliveries();
    const byEvent = new Map(page.data.map((d) => [d.eventId, d]));
    expect([...byEvent.keys()].sort()).toEqual([first.id, second.id].sort());
    expect(byEvent.get(first.id)?.status).toBe('succeeded');
    expect(byEvent.get(second.id)?.status).toBe('succeeded');
    expect(byEvent.get(first.id)?.attempts.map((a) => [a.outcome, a.statusCode])).toEqual([
      ['failed', 500],
      ['failed', null],
      ['failed', null],
      ['succeeded', 200],
    ]);
    expect(byEvent.get(first.id)?.attempts[1].error).toContain('no answer within');
    expect(byEvent.get(first.id)?.attempts[2].error).toBe('connection refused');
    jest.useRealTimers();
    await disable(id);
  });

  it("honours a receiver's Retry-After on 429", async () => {
    const { id } = await createEndpoint();
    receiver.mode = { answer: 429, retryAfter: '3600' };
    await emit(t, 'venue.updated');
    await dispatchUntil(t, () => receiver.received.length >= 1);
    const page = (await t.http.get(`/v1/webhook-endpoints/${id}/deliveries`).set(admin).expect(200)).body as {
      data: { nextAttemptAt: string; attempts: { startedAt: string }[] }[];
    };
    const gap = new Date(page.data[0].nextAttemptAt).getTime() - new Date(page.data[0].attempts[0].startedAt).getTime();
    expect(gap).toBeGreaterThanOrEqual(3_600_000);
    await disable(id);
  });

  it('lets an admin send a delivery again at once, also one that succeeded', async () => {
    const { id } = await createEndpoint();
    const event = await emit(t, 'session.created');
    await dispatchUntil(t, () => receiver.received.length >= 1);
    const page = (await t.http.get(`/v1/webhook-endpoints/${id}/deliveries`).set(admin).expect(200)).body as { data: { id: string }[] };
    const retried = await t.http.post(`/v1/webhook-endpoints/${id}/deliveries/${page.data[0].id}/retry`).set(admin).expect(202);
    expect((retried.body as { status: string }).status).toBe('pending');
    await dispatchUntil(t, () => receiver.received.length >= 2);
    expect(receiver.ids()).toEqual([event.id, event.id]);
    await t.http
      .post(`/v1/webhook-endpoints/${id}/deliveries/00000000-0000-4000-8000-000000000000/retry`)
      .set(admin)
      .expect(404)
      .expect((res) => expect(res.body.type).toContain('webhook-delivery-not-found'));
    await disable(id);
  });

  it('keeps /health/ready green while a receiver is down', async () => {
    const { id } = await createEndpoint();
    await receiver.goAway();
    await emit(t, 'venue.updated');
    await dispatch(t);
    await dispatch(t);
    await t.http.get('/health/ready').expect(200);
    await receiver.listen();
    await disable(id);
  });

  it('answers 404 for an unknown endpoint and 400 naming a bad field', async () => {
    await t.http.get('/v1/webhook-endpoints/00000000-0000-4000-8000-000000000000').set(admin).expect(404);
    const res = await t.http.post('/v1/webhook-endpoints').set(admin).send({ url: receiver.url, types: ['booking.exploded'] }).expect(400);
    expect(JSON.stringify(res.body.errors)).toContain('types');
    await t.http.post('/v1/webhook-endpoints').set(await adminAuth(t)).send({ url: receiver.url, types: ['*', 'booking.created'] }).expect(400);
  });
});
