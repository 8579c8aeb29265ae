import { randomUUID } from 'node:crypto';
import type { TestApp } from '@aero/testing';
import { adminAuth, createApiKey, createMember, createSession, createTestApp, createUser, moveDateForward } from '@aero/testing';

// Argon2id users and a burst of 30 concurrent holds on a loaded 2-core machine.
jest.setTimeout(60_000);

// Open holds are capped per holder (HOLDS_MAX_OPEN_PER_PRINCIPAL, default 20; an API key may set its own), by
// one conditional UPDATE of the holder's counter row, so a leaked kiosk key cannot squat every session and no
// interleaving of requests passes the cap. Runs on SQLite and, with DB_TYPE=postgres, on a real server.
describe('open holds per holder (e2e)', () => {
  let t: TestApp;
  let staff: Record<string, string>;
  let admin: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp({ env: { BOOKINGS_HOLD_TTL_SECONDS: '30' } });
    staff = (await createUser(t, { role: 'staff' })).authHeader;
    admin = await adminAuth(t);
  });
  afterAll(async () => {
    jest.useRealTimers();
    await t.close();
  });

  const hold = (auth: Record<string, string>, sessionId: string) =>
    t.http.post('/v1/holds').set(auth).set('Idempotency-Key', randomUUID()).send({ sessionId, quantity: 1 });

  async function held(sessionId: string): Promise<number> {
    return ((await t.http.get(`/v1/sessions/${sessionId}`).set(staff).expect(200)).body as { held: number }).held;
  }

  it("refuses a kiosk key's 21st open hold with 409 hold-cap-reached naming the cap, across sessions", async () => {
    const kiosk = (await createApiKey(t, { scopes: ['bookings:write', 'bookings:read'], app: 'kiosk' })).authHeader;
    const sessions = [await createSession(t, { capacity: 50 }), await createSession(t, { capacity: 50 })];
    const holds: string[] = [];
    for (let i = 0; i < 20; i++) holds.push((await hold(kiosk, sessions[i % 2].id).expect(201)).body.id);
    const refused = await hold(kiosk, sessions[0].id).expect(409);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ type: '/problems/hold-cap-reached', limit: 20, open: 20, requestId: expect.any(String) });
    expect(refused.body.detail).toContain('20');
    expect((await held(sessions[0].id)) + (await held(sessions[1].id))).toBe(20);
    // Another caller is not affected; releasing one of the kiosk's holds makes room for exactly one more.
    await hold(staff, sessions[0].id).expect(201);
    await t.http.delete(`/v1/holds/${holds[0]}`).set(kiosk).set('Idempotency-Key', randomUUID()).expect(204);
    await hold(kiosk, sessions[1].id).expect(201);
    await hold(kiosk, sessions[1].id).expect(409);
  });

  it('lets exactly 20 of 30 concurrent holds by one caller through; the rest get hold-cap-reached', async () => {
    const desk = (await createUser(t, { role: 'staff' })).authHeader;
    const session = await createSession(t, { capacity: 100 });
    const responses = await Promise.all(Array.from({ length: 30 }, () => hold(desk, session.id)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(20);
    const refused = responses.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(10);
    for (const r of refused) expect(r.body).toMatchObject({ status: 409, type: '/problems/hold-cap-reached', limit: 20 });
    expect(await held(session.id)).toBe(20);
  });

  it("takes a key's own cap from creation and update (API), and null goes back to the default", async () => {
    const created = await t.http
      .post('/v1/api-keys')
      .set(admin)
      .send({ name: 'Lobby kiosk', app: 'kiosk', scopes: ['bookings:write'], maxOpenHolds: 2 })
      .expect(201);
    expect(created.body.maxOpenHolds).toBe(2);
    const kiosk = { 'X-API-Key': created.body.key as string };
    const session = await createSession(t, { capacity: 50 });
    await hold(kiosk, session.id).expect(201);
    await hold(kiosk, session.id).expect(201);
    expect((await hold(kiosk, session.id).expect(409)).body).toMatchObject({ type: '/problems/hold-cap-reached', limit: 2, open: 2 });
    const raised = await t.http.patch(`/v1/api-keys/${created.body.id}`).set(admin).send({ maxOpenHolds: 3 }).expect(200);
    expect(raised.body.maxOpenHolds).toBe(3);
    await hold(kiosk, session.id).expect(201);
    expect((await hold(kiosk, session.id).expect(409)).body).toMatchObject({ limit: 3, open: 3 });
    const cleared = await t.http.patch(`/v1/api-keys/${created.body.id}`).set(admin).send({ maxOpenHolds: null }).expect(200);
    expect(cleared.body.maxOpenHolds).toBeNull();
    await hold(kiosk, session.id).expect(201);
    const bad = await t.http.post('/v1/api-keys').set(admin).send({ name: 'x', app: 'kiosk', scopes: ['bookings:write'], maxOpenHolds: 0 }).expect(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'maxOpenHolds' })]);
  });

  it('counts a lapsed hold until it is expired, and expires it when the caller reaches the cap', async () => {
    const kiosk = (await createApiKey(t, { scopes: ['bookings:write'], app: 'kiosk', maxOpenHolds: 2 })).authHeader;
    const session = await createSession(t, { capacity: 50 });
    await hold(kiosk, session.id).expect(201);
    await hold(kiosk, session.id).expect(201);
    await hold(kiosk, session.id).expect(409);
    // Move the clock (Date only) past the 30-second TTL; nothing sleeps and no sweeper has run.
    moveDateForward(31_000);
    try {
      await hold(kiosk, session.id).expect(201);
      await hold(kiosk, session.id).expect(201);
      expect((await hold(kiosk, session.id).expect(409)).body).toMatchObject({ open: 2 });
    } finally {
      jest.useRealTimers();
    }
  });

  it('gives the place under the cap back when a hold becomes a booking', async () => {
    const kiosk = (await createApiKey(t, { scopes: ['bookings:write'], app: 'kiosk', maxOpenHolds: 1 })).authHeader;
    const session = await createSession(t, { capacity: 50 });
    const memberId = (await createMember(t)).id;
    const first = await hold(kiosk, session.id).expect(201);
    await hold(kiosk, session.id).expect(409);
    await t.http
      .post('/v1/bookings')
      .set(kiosk)
      .set('Idempotency-Key', randomUUID())
      .send({ sessionId: session.id, memberId, quantity: 1, holdId: first.body.id })
      .expect(201);
    await hold(kiosk, session.id).expect(201);
  });
});
