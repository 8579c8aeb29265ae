import type { LookupAddress } from 'node:dns';
import { Socket } from 'node:net';
import { ApiKeysService } from '@aero/api-keys';
import { WebhookDispatcher, WebhookSender } from '@aero/events';
import { createApiKey, createTestApp, createUser, createVenue } from '@aero/testing';
import type { TestApp } from '@aero/testing';
import { dispatchUntil, emit, WEBHOOK_TEST_ENV } from './helpers';
import { TestReceiver } from './receiver';

describe('webhook endpoints in production mode: only public https targets', () => {
  let t: TestApp;
  let admin: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp({ env: { NODE_ENV: 'production', WEBHOOKS_DISPATCH_ENABLED: 'false' } });
    admin = (await createUser(t, { role: 'admin' })).authHeader;
  });
  afterAll(() => t.close());

  it.each([
    ['https://127.0.0.1/hooks'],
    ['https://10.0.0.1/hooks'],
    ['https://169.254.169.254/latest/meta-data/'],
    ['https://[::1]/hooks'],
    ['https://[fd00:ec2::254]/hooks'],
    ['https://localhost/hooks'],
    ['http://hooks.partner.example/aero'],
    ['https://user:secret@hooks.partner.example/aero'],
  ])('refuses %s with 422 webhook-target-refused naming url', async (url) => {
    const res = await t.http.post('/v1/webhook-endpoints').set(admin).send({ url, types: ['*'] }).expect(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.type).toContain('webhook-target-refused');
    expect(res.body.errors).toEqual([{ field: 'url', message: expect.any(String) }]);
    expect(JSON.stringify(res.body)).not.toContain('secret@');
  });

  it('refuses the same addresses on PATCH', async () => {
    const created = await t.http
      .post('/v1/webhook-endpoints')
      .set(admin)
      .send({ url: 'https://hooks.partner.example/aero', types: ['booking.created'] })
      .expect(201);
    await t.http.patch(`/v1/webhook-endpoints/${created.body.id}`).set(admin).send({ url: 'https://192.168.1.20/x' }).expect(422);
    const after = await t.http.get(`/v1/webhook-endpoints/${created.body.id}`).set(admin).expect(200);
    expect(after.body.url).toBe('https://hooks.partner.example/aero');
  });

  it('refuses at connect time a host name that resolves to a private address, before any connect', async () => {
    // Tripwire: a socket about to connect anywhere but loopback is destroyed first and counted, so a broken
    // guard fails this test instead of sending a packet.
    const offLoopback: string[] = [];
    const emitOriginal = Socket.prototype.emit as (this: Socket, event: string | symbol, ...args: unknown[]) => boolean;
    const spy = jest.spyOn(Socket.prototype, 'emit').mockImplementation(function (this: Socket, event: string | symbol, ...args: unknown[]) {
      if (event === 'lookup' && typeof args[1] === 'string' && !/^(127\.|::1$)/.test(args[1])) {
        offLoopback.push(args[1]);
        this.destroy();
        return true;
      }
      return emitOriginal.call(this, event, ...args);
    });
    const lookups: string[] = [];
    const dispatcher = t.app.get(WebhookDispatcher);
    dispatcher.useSender(
      new WebhookSender({
        timeoutMs: 2000,
        allowPrivate: t.config.webhooks.allowPrivateTargets,
        lookup: (host, options, callback) => {
          lookups.push(host);
          if (options.all) callback(null, [{ address: '10.0.0.1', family: 4 }] as LookupAddress[]);
          else callback(null, '10.0.0.1', 4);
        },
      }),
    );
    try {
      const created = await t.http
        .post('/v1/webhook-endpoints')
        .set(admin)
        .send({ url: 'https://rebind.partner.example/aero', types: ['venue.updated'] })
        .expect(201);
      await emit(t, 'venue.updated');
      await dispatchUntil(t, () => lookups.length > 0);
      const page = await t.http.get(`/v1/webhook-endpoints/${created.body.id}/deliveries`).set(admin).expect(200);
      expect(page.body.data[0].attempts[0]).toMatchObject({ outcome: 'refused', statusCode: null });
      expect(page.body.data[0].attempts[0].error).toContain('10.0.0.1');
      expect(lookups).toEqual(['rebind.partner.example']);
      expect(offLoopback).toEqual([]);
      await t.http.patch(`/v1/webhook-endpoints/${created.body.id}`).set(admin).send({ enabled: false }).expect(200);
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses callers without webhooks:write', async () => {
    const key = await createApiKey(t, { scopes: ['bookings:read'] });
    await t.http.get('/v1/webhook-endpoints').set(key.authHeader).expect(403);
    const member = await createUser(t, { role: 'staff' });
    await t.http.get('/v1/webhook-endpoints').set(member.authHeader).expect(403);
  });
});

describe('webhook endpoints of venue keys', () => {
  let t: TestApp;
  let receiver: TestReceiver;

  beforeAll(async () => {
    t = await createTestApp({ env: WEBHOOK_TEST_ENV });
    receiver = await TestReceiver.start();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  it("a venue key's endpoint receives its venues' events only, and never admin-only ones", async () => {
    const [mine, other] = [await createVenue(t), await createVenue(t)];
    const key = await createApiKey(t, { scopes: ['webhooks:write'], venueIds: [mine.id] });
    await t.http
      .post('/v1/webhook-endpoints')
      .set(key.authHeader)
      .send({ url: receiver.url, types: ['*'], venueIds: [other.id] })
      .expect(400)
      .expect((res) => expect(JSON.stringify(res.body.errors)).toContain('venueIds'));
    await t.http
      .post('/v1/webhook-endpoints')
      .set(key.authHeader)
      .send({ url: receiver.url, types: ['api_key.created'] })
      .expect(400);
    await t.http.post('/v1/webhook-endpoints').set(key.authHeader).send({ url: receiver.url, types: ['*'] }).expect(201);

    const foreign = await emit(t, 'booking.created', other.id);
    const adminOnly = await emit(t, 'api_key.created', null);
    const own = await emit(t, 'booking.created', mine.id);
    await dispatchUntil(t, () => receiver.received.length >= 1);
    // Further rounds send nothing more.
    await dispatchUntil(t, () => true);
    expect(receiver.ids()).toEqual([own.id]);
    expect(receiver.ids()).not.toContain(foreign.id);
    expect(receiver.ids()).not.toContain(adminOnly.id);
  });

  it("a key sees only its own endpoints; another key's are 404", async () => {
    const a = await createApiKey(t, { scopes: ['webhooks:write'] });
    const b = await createApiKey(t, { scopes: ['webhooks:write'] });
    const created = await t.http.post('/v1/webhook-endpoints').set(a.authHeader).send({ url: receiver.url, types: ['member.created'] }).expect(201);
    const listB = await t.http.get('/v1/webhook-endpoints').set(b.authHeader).expect(200);
    expect(listB.body.data).toEqual([]);
    await t.http.get(`/v1/webhook-endpoints/${created.body.id}`).set(b.authHeader).expect(404);
    await t.http.delete(`/v1/webhook-endpoints/${created.body.id}`).set(b.authHeader).expect(404);
    const listA = await t.http.get('/v1/webhook-endpoints').set(a.authHeader).expect(200);
    expect(listA.body.data.map((e: { id: string }) => e.id)).toEqual([created.body.id]);
  });

  it("a rotated key's endpoints stay enabled and belong to its successor; disabling the successor disables them", async () => {
    const admin = (await createUser(t, { role: 'admin' })).authHeader;
    const first = await createApiKey(t, { scopes: ['webhooks:write'] });
    const created = await t.http.post('/v1/webhook-endpoints').set(first.authHeader).send({ url: receiver.url, types: ['member.created'] }).expect(201);
    // No grace period: the old key stops at once; then it is revoked too, as an operator tidies up after a rotation.
    const rotated = await t.http.post(`/v1/api-keys/${first.id}/rotate`).set(admin).send({ gracePeriodSeconds: 0 }).expect(201);
    const successor = { 'X-API-Key': rotated.body.key as string };
    await t.http.get('/v1/webhook-endpoints').set(first.authHeader).expect(401);
    await t.http.delete(`/v1/api-keys/${first.id}`).set(admin).expect(204);

    const listed = await t.http.get('/v1/webhook-endpoints').set(successor).expect(200);
    expect(listed.body.data).toEqual([expect.objectContaining({ id: created.body.id, enabled: true, owner: { kind: 'apiKey', id: rotated.body.id } })]);
    await t.http.patch(`/v1/webhook-endpoints/${created.body.id}`).set(successor).send({ description: 'kept across the rotation' }).expect(200);
    receiver.received.length = 0;
    const event = await emit(t, 'member.created');
    await dispatchUntil(t, () => receiver.ids().includes(event.id));

    await t.http.patch(`/v1/api-keys/${rotated.body.id}`).set(admin).send({ enabled: false }).expect(200);
    const got = await t.http.get(`/v1/webhook-endpoints/${created.body.id}`).set(admin).expect(200);
    expect(got.body).toMatchObject({ enabled: false, disabledReason: 'owner_disabled', description: 'kept across the rotation' });
  });

  it('during a grace period the old key still manages its endpoints, and what it creates belongs to the new key', async () => {
    const admin = (await createUser(t, { role: 'admin' })).authHeader;
    const first = await createApiKey(t, { scopes: ['webhooks:write'] });
    const before = await t.http.post('/v1/webhook-endpoints').set(first.authHeader).send({ url: receiver.url, types: ['venue.updated'] }).expect(201);
    const rotated = await t.http.post(`/v1/api-keys/${first.id}/rotate`).set(admin).send({ gracePeriodSeconds: 3600 }).expect(201);
    const successor = { 'X-API-Key': rotated.body.key as string };
    const during = await t.http.post('/v1/webhook-endpoints').set(first.authHeader).send({ url: receiver.url, types: ['venue.updated'] }).expect(201);
    expect(during.body.owner).toEqual({ kind: 'apiKey', id: rotated.body.id });
    const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((e) => e.id).sort();
    const both = [before.body.id, during.body.id].sort();
    expect(ids(await t.http.get('/v1/webhook-endpoints').set(first.authHeader).expect(200))).toEqual(both);
    await t.http.patch(`/v1/webhook-endpoints/${before.body.id}`).set(first.authHeader).send({ description: 'still mine' }).expect(200);

    // The grace period ends early: the old key is revoked; the endpoints stay enabled, with the new key.
    await t.http.delete(`/v1/api-keys/${first.id}`).set(admin).expect(204);
    const listed = await t.http.get('/v1/webhook-endpoints').set(successor).expect(200);
    expect(ids(listed)).toEqual(both);
    expect(listed.body.data.every((e: { enabled: boolean }) => e.enabled)).toBe(true);
  });

  it('disabling or revoking an API key disables the endpoints it created', async () => {
    const admin = (await createUser(t, { role: 'admin' })).authHeader;
    const disabledKey = await createApiKey(t, { scopes: ['webhooks:write'] });
    const revokedKey = await createApiKey(t, { scopes: ['webhooks:write'] });
    const e1 = await t.http.post('/v1/webhook-endpoints').set(disabledKey.authHeader).send({ url: receiver.url, types: ['*'] }).expect(201);
    const e2 = await t.http.post('/v1/webhook-endpoints').set(revokedKey.authHeader).send({ url: receiver.url, types: ['*'] }).expect(201);
    await t.http.patch(`/v1/api-keys/${disabledKey.id}`).set(admin).send({ enabled: false }).expect(200);
    await t.app.get(ApiKeysService).revoke(revokedKey.id);
    for (const id of [e1.body.id, e2.body.id]) {
      const got = await t.http.get(`/v1/webhook-endpoints/${id}`).set(admin).expect(200);
      expect(got.body).toMatchObject({ enabled: false, disabledReason: 'owner_disabled' });
    }
    receiver.received.length = 0;
    await emit(t, 'member.created');
    await dispatchUntil(t, () => true);
    await dispatchUntil(t, () => true);
    expect(receiver.received).toEqual([]);
  });
});
