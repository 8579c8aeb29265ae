import { moveDateForward } from '@aero/testing';
import type { TestApp } from '@aero/testing';
import { dispatch, dispatchUntil, emit, startWebhookApp, stopWebhookApp } from './helpers';
import type { TestReceiver } from './receiver';

/** What operators see: endpoints disabled after failing for WEBHOOKS_DISABLE_AFTER_HOURS, and /metrics. */
describe('webhook operations', () => {
  let t: TestApp;
  let receiver: TestReceiver;
  let admin: Record<string, string>;

  beforeAll(async () => ({ t, receiver, admin } = await startWebhookApp({ WEBHOOKS_DISABLE_AFTER_HOURS: '1' })));
  afterAll(() => stopWebhookApp({ t, receiver }));

  const metric = async (line: RegExp): Promise<number | undefined> => {
    const text = (await t.http.get('/metrics').expect(200)).text;
    const found = text.split('\n').find((l) => line.test(l));
    return found === undefined ? undefined : Number(found.split(' ').pop());
  };

  it('disables an endpoint that fails for WEBHOOKS_DISABLE_AFTER_HOURS, says so in its GET and /metrics, and resumes when re-enabled', async () => {
    receiver.mode = { answer: 503 };
    const created = await t.http.post('/v1/webhook-endpoints').set(admin).send({ url: receiver.url, types: ['*'] }).expect(201);
    const id = created.body.id as string;
    const event = await emit(t, 'session.updated');
    await dispatchUntil(t, () => receiver.received.length >= 1);
    const lag = await metric(new RegExp(`^webhook_endpoint_lag_seconds\\{endpoint="${id}"\\}`));
    expect(lag).toBeGreaterThanOrEqual(0);
    let got = (await t.http.get(`/v1/webhook-endpoints/${id}`).set(admin).expect(200)).body;
    expect(got.enabled).toBe(true);
    expect(got.failingSince).toBeTruthy();

    // Retries over more than an hour, all failing: the endpoint is disabled.
    for (const step of [5_000, 300_000, 1_800_000, 7_200_000]) {
      moveDateForward(step);
      await dispatch(t);
    }
    got = (await t.http.get(`/v1/webhook-endpoints/${id}`).set(admin).expect(200)).body;
    expect(got).toMatchObject({ enabled: false, disabledReason: 'failing' });
    expect(await metric(/^webhook_endpoints_disabled_failing /)).toBe(1);
    expect(await metric(/^webhook_endpoints_auto_disabled_total /)).toBe(1);
    expect(await metric(/^webhook_attempts_total\{outcome="failed"\}/)).toBeGreaterThanOrEqual(2);
    const sentWhileFailing = receiver.received.length;
    moveDateForward(12 * 3_600_000);
    await dispatch(t);
    expect(receiver.received).toHaveLength(sentWhileFailing); // nothing is sent to a disabled endpoint

    receiver.mode = { answer: 200 };
    await t.http.patch(`/v1/webhook-endpoints/${id}`).set(admin).send({ enabled: true }).expect(200);
    moveDateForward(12 * 3_600_000);
    await dispatchUntil(t, () => receiver.ids().length > sentWhileFailing);
    jest.useRealTimers();
    expect(receiver.ids().at(-1)).toBe(event.id);
    got = (await t.http.get(`/v1/webhook-endpoints/${id}`).set(admin).expect(200)).body;
    expect(got).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
    expect(await metric(/^webhook_deliveries_total\{outcome="succeeded"\}/)).toBe(1);
    expect(await metric(/^webhook_endpoints_disabled_failing /)).toBe(0);
  });
});
