import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import type { TestApp } from '@aero/testing';
import { adminAuth, createApiKey, createMember, createPeerApp, createSession, createTestApp, createUser } from '@aero/testing';

// The Idempotency-Key contract on two instances sharing one database (SQLite file, or PostgreSQL with
// DB_TYPE=postgres): a retried write is done once, whichever instance the retry lands on.
describe('Idempotency-Key (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  let staff: Record<string, string>;
  let kiosk: Record<string, string>;
  let memberId: string;

  beforeAll(async () => {
    a = await createTestApp({
      shareableDatabase: true,
      env: { BOOKINGS_MAX_ACTIVE_PER_MEMBER_SESSION: '100' },
    });
    // A second instance behind the same load balancer: same database, same secrets.
    b = await createPeerApp(a, { env: { BOOKINGS_MAX_ACTIVE_PER_MEMBER_SESSION: '100' } });
    staff = (await createUser(a, { role: 'staff' })).authHeader;
    kiosk = (await createApiKey(a, { scopes: ['bookings:write', 'bookings:read'], app: 'kiosk' })).authHeader;
    memberId = (await createMember(a)).id;
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  async function bookingsOn(sessionId: string): Promise<{ id: string }[]> {
    const res = await a.http.get(`/v1/bookings?sessionId=${sessionId}&limit=100`).set(staff).expect(200);
    return res.body.data as { id: string }[];
  }

  /** POST /v1/bookings with `Idempotency-Key: key`, as `auth`, to one instance. */
  const book = (on: TestApp, auth: Record<string, string>, key: string, body: object) =>
    on.http.post('/v1/bookings').set(auth).set('Idempotency-Key', key).send(body);

  /** A replay of `first`: the same body, marked `Idempotent-Replayed: true`. */
  function expectReplayOf(first: Response, replay: Response): void {
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
  }

  it('makes exactly one booking from 50 concurrent identical POSTs with one key spread over two instances', async () => {
    const session = await createSession(a, { capacity: 100 });
    const key = randomUUID();
    const body = { sessionId: session.id, memberId, quantity: 1 };
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => book(i % 2 === 0 ? a : b, kiosk, key, body)),
    );
    const fresh = responses.filter((r) => r.status === 201 && r.headers['idempotent-replayed'] === undefined);
    const replays = responses.filter((r) => r.status === 201 && r.headers['idempotent-replayed'] === 'true');
    const inFlight = responses.filter((r) => r.status === 409);
    expect(fresh).toHaveLength(1);
    expect(replays.length + inFlight.length).toBe(49);
    for (const r of replays) expect(r.body).toEqual(fresh[0].body);
    for (const r of inFlight) {
      expect(r.body).toMatchObject({ type: '/problems/idempotency-key-in-flight' });
      expect(r.headers['retry-after']).toMatch(/^\d+$/);
    }
    expect(await bookingsOn(session.id)).toEqual([expect.objectContaining({ id: fresh[0].body.id })]);
    const state = await a.http.get(`/v1/sessions/${session.id}`).set(staff).expect(200);
    expect(state.body.booked).toBe(1);
  });

  it('replays the first outcome after it finished: same status and body, Idempotent-Replayed: true', async () => {
    const session = await createSession(a, { capacity: 5 });
    const key = randomUUID();
    const body = { sessionId: session.id, memberId, quantity: 2 };
    const first = await book(a, kiosk, key, body).expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    for (const app of [a, b, a]) {
      const again = book(app, kiosk, key, { quantity: 2, memberId, sessionId: session.id }); // other key order
      expectReplayOf(first, await again.expect(201));
    }
    expect(await bookingsOn(session.id)).toHaveLength(1);
  });

  it('answers 422 when the same key comes with a different body, and changes nothing', async () => {
    const session = await createSession(a, { capacity: 5 });
    const key = randomUUID();
    await book(a, kiosk, key, { sessionId: session.id, memberId, quantity: 1 }).expect(201);
    const changed = await book(b, kiosk, key, { sessionId: session.id, memberId, quantity: 3 }).expect(422);
    expect(changed.body).toMatchObject({ type: '/problems/idempotency-key-reused', header: 'Idempotency-Key' });
    expect(await bookingsOn(session.id)).toHaveLength(1);
  });

  it("treats another caller's identical key as another key", async () => {
    const session = await createSession(a, { capacity: 5 });
    const otherKiosk = (await createApiKey(a, { scopes: ['bookings:write'], app: 'kiosk' })).authHeader;
    const key = 'order-42';
    const body = { sessionId: session.id, memberId, quantity: 1 };
    const mine = await book(a, kiosk, key, body).expect(201);
    const theirs = await book(a, otherKiosk, key, body).expect(201);
    const staffs = await book(a, staff, key, body).expect(201);
    expect(new Set([mine.body.id, theirs.body.id, staffs.body.id]).size).toBe(3);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(await bookingsOn(session.id)).toHaveLength(3);
  });

  it('requires the header from API-key callers on POST /v1/bookings and /v1/holds, naming it', async () => {
    const session = await createSession(a, { capacity: 5 });
    const booking = await a.http.post('/v1/bookings').set(kiosk).send({ sessionId: session.id, memberId, quantity: 1 }).expect(400);
    expect(booking.body).toMatchObject({ type: '/problems/idempotency-key-required', header: 'Idempotency-Key' });
    const hold = await a.http.post('/v1/holds').set(kiosk).send({ sessionId: session.id, quantity: 1 }).expect(400);
    expect(hold.body).toMatchObject({ type: '/problems/idempotency-key-required' });
    // Users may omit it.
    await a.http.post('/v1/bookings').set(staff).send({ sessionId: session.id, memberId, quantity: 1 }).expect(201);
  });

  it.each([['x'.repeat(256)], ['naïve-key'], ['tab\tkey']])('refuses the malformed key %j with 400', async (key) => {
    const session = await createSession(a, { capacity: 5 });
    const res = await book(a, staff, key, { sessionId: session.id, memberId, quantity: 1 }).expect(400);
    expect(res.body).toMatchObject({ type: '/problems/idempotency-key-invalid', header: 'Idempotency-Key' });
    expect(await bookingsOn(session.id)).toHaveLength(0);
  });

  it('stores nothing for a request refused by validation, so the corrected retry runs', async () => {
    const session = await createSession(a, { capacity: 5 });
    const key = randomUUID();
    await book(a, kiosk, key, { sessionId: session.id, memberId, quantity: 0 }).expect(400);
    const fixed = await book(a, kiosk, key, { sessionId: session.id, memberId, quantity: 1 }).expect(201);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
  });

  it('replays a domain refusal the handler gave (409 session-full) instead of trying again', async () => {
    const session = await createSession(a, { capacity: 1 });
    await a.http.post('/v1/bookings').set(staff).send({ sessionId: session.id, memberId, quantity: 1 }).expect(201);
    const key = randomUUID();
    const body = { sessionId: session.id, memberId, quantity: 1 };
    const first = await book(a, kiosk, key, body).expect(409);
    const again = await book(b, kiosk, key, body).expect(409);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toMatchObject({ type: first.body.type, detail: first.body.detail, remaining: 0 });
  });

  it('replays a booking retried with the successor key across a rotation, a rotation of it, and after grace', async () => {
    const admin = await adminAuth(a);
    const first = await createApiKey(a, { scopes: ['bookings:write', 'bookings:read'], app: 'kiosk' });
    const session = await createSession(a, { capacity: 5 });
    const key = randomUUID();
    const body = { sessionId: session.id, memberId, quantity: 1 };
    const booked = await book(a, first.authHeader, key, body).expect(201);
    const second = await a.http.post(`/v1/api-keys/${first.id}/rotate`).set(admin).send({ gracePeriodSeconds: 600 }).expect(201);
    // During the grace period, on the other instance, with the successor key.
    expectReplayOf(booked, await book(b, { 'X-API-Key': second.body.key }, key, body).expect(201));
    // A rotation of the rotation with no grace: the first two keys stop working, the lineage goes on.
    const third = await a.http.post(`/v1/api-keys/${second.body.id}/rotate`).set(admin).send({ gracePeriodSeconds: 0 }).expect(201);
    await book(a, { 'X-API-Key': second.body.key }, key, body).expect(401);
    expectReplayOf(booked, await book(a, { 'X-API-Key': third.body.key }, key, body).expect(201));
    expect(await bookingsOn(session.id)).toEqual([expect.objectContaining({ id: booked.body.id })]);
    // A new key of the same app is another caller: the same Idempotency-Key is a new operation for it.
    const unrelated = await createApiKey(a, { scopes: ['bookings:write'], app: 'kiosk' });
    const other = await book(a, unrelated.authHeader, key, body).expect(201);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
  });

  it('does not store a 412: the retry with the current ETag and the same key updates the member', async () => {
    const front = (await createApiKey(a, { scopes: ['members:write', 'members:read'], app: 'pos' })).authHeader;
    const member = await createMember(a);
    const read = await a.http.get(`/v1/members/${member.id}`).set(front).expect(200);
    // Another writer changes the member first, so the ETag the client holds is stale.
    await a.http.patch(`/v1/members/${member.id}`).set(staff).set('If-Match', read.headers.etag).send({ phone: '+44 20 7946 0001' }).expect(200);
    const key = randomUUID();
    const update = (on: TestApp, etag: string) =>
      on.http
        .patch(`/v1/members/${member.id}`)
        .set(front)
        .set('Idempotency-Key', key)
        .set('If-Match', etag)
        .send({ phone: '+44 20 7946 0002' });
    const stale = await update(a, read.headers.etag).expect(412);
    expect(stale.body.type).toBe('/problems/precondition-failed');
    const current = await b.http.get(`/v1/members/${member.id}`).set(front).expect(200);
    const retry = await update(b, current.headers.etag).expect(200);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.body).toMatchObject({ phone: '+44 20 7946 0002' });
    // Now the outcome is final: a further repeat is the replay of the 200.
    expectReplayOf(retry, await update(a, current.headers.etag).expect(200));
  });

  it('keys path parameters too: one key cannot cancel two different bookings', async () => {
    const session = await createSession(a, { capacity: 5 });
    const body = { sessionId: session.id, memberId, quantity: 1 };
    const one = await a.http.post('/v1/bookings').set(staff).send(body).expect(201);
    const two = await a.http.post('/v1/bookings').set(staff).send(body).expect(201);
    const key = randomUUID();
    await a.http.post(`/v1/bookings/${one.body.id}/cancel`).set(staff).set('Idempotency-Key', key).expect(200);
    await a.http.post(`/v1/bookings/${two.body.id}/cancel`).set(staff).set('Idempotency-Key', key).expect(422);
    const still = await a.http.get(`/v1/bookings/${two.body.id}`).set(staff).expect(200);
    expect(still.body.status).toBe('confirmed');
  });

  it('documents the header with 409 and 422 on every write operation in openapi.json', async () => {
    const doc = (await a.http.get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }>>;
    };
    const writes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method]) => ['post', 'put', 'patch', 'delete'].includes(method))
        .map(([method, op]) => ({ id: `${method.toUpperCase()} ${path}`, op })),
    );
    const keyed = writes.filter((w) => w.op.parameters?.some((p) => p.in === 'header' && p.name === 'Idempotency-Key'));
    for (const w of keyed) expect(Object.keys(w.op.responses)).toEqual(expect.arrayContaining(['409', '422']));
    const unkeyed = writes.filter((w) => !keyed.includes(w)).map((w) => w.id).sort();
    // Anonymous session routes keep no per-caller state; secret-returning routes are never stored.
    expect(unkeyed).toEqual([
      'POST /v1/api-keys',
      'POST /v1/api-keys/{id}/rotate',
      'POST /v1/auth/login',
      'POST /v1/auth/logout',
      'POST /v1/auth/password',
      'POST /v1/auth/refresh',
      // Secret-returning (the signing secret), and a re-queue that is harmless to repeat.
      'POST /v1/webhook-endpoints',
      'POST /v1/webhook-endpoints/{id}/deliveries/{deliveryId}/retry',
      'POST /v1/webhook-endpoints/{id}/rotate-secret',
    ]);
  });
});
