import type { TestApp } from '@aero/testing';
import { createMember, createSession, createTestApp, createUser, moveDateForward } from '@aero/testing';

// Setting up users (Argon2id) and concurrent bursts takes a while on a loaded 2-core machine.
jest.setTimeout(60_000);

// Per-member limits are decided by the database (one conditional UPDATE of the member's allowance row), as
// capacity is: no interleaving of requests may exceed them. Defaults: 3 active bookings per member and
// session; a member user keeps at most 3 live holds and 10 held places on a session and makes at most 6
// holds there in all.
describe('per-member limits under concurrency (e2e)', () => {
  let t: TestApp;
  let staff: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp({ env: { BOOKINGS_HOLD_TTL_SECONDS: '30' } });
    staff = (await createUser(t, { role: 'staff' })).authHeader;
  });
  afterAll(async () => {
    jest.useRealTimers();
    await t.close();
  });

  async function session(capacity = 200) {
    return createSession(t, { capacity });
  }

  async function places(sessionId: string) {
    const res = await t.http.get(`/v1/sessions/${sessionId}`).set(staff).expect(200);
    return res.body as { booked: number; held: number; remaining: number };
  }

  async function memberUser() {
    const me = (await createMember(t)).id;
    return { memberId: me, auth: (await createUser(t, { role: 'member', memberId: me })).authHeader };
  }

  it('lets exactly 3 of 50 concurrent bookings for one member through; the rest get 409 booking-limit-reached', async () => {
    const s = await session();
    const memberId = (await createMember(t)).id;
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        t.http.post('/v1/bookings').set(staff).send({ sessionId: s.id, memberId, quantity: 2 }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((x) => x === 201)).toHaveLength(3);
    expect(statuses.filter((x) => x === 409)).toHaveLength(47);
    for (const r of responses.filter((x) => x.status === 409)) {
      expect(r.body).toMatchObject({ type: '/problems/booking-limit-reached', limit: 3 });
    }
    expect(await places(s.id)).toMatchObject({ booked: 6, held: 0 });
  });

  it('gives a cancelled booking its place in the member limit back', async () => {
    const s = await session();
    const memberId = (await createMember(t)).id;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await t.http.post('/v1/bookings').set(staff).send({ sessionId: s.id, memberId, quantity: 1 }).expect(201);
      ids.push(res.body.id as string);
    }
    await t.http.post('/v1/bookings').set(staff).send({ sessionId: s.id, memberId, quantity: 1 }).expect(409);
    await t.http.post(`/v1/bookings/${ids[0]}/cancel`).set(staff).expect(200);
    // Cancelling twice gives back only once.
    await t.http.post(`/v1/bookings/${ids[0]}/cancel`).set(staff).expect(200);
    await t.http.post('/v1/bookings').set(staff).send({ sessionId: s.id, memberId, quantity: 1 }).expect(201);
    await t.http.post('/v1/bookings').set(staff).send({ sessionId: s.id, memberId, quantity: 1 }).expect(409);
    expect(await places(s.id)).toMatchObject({ booked: 3 });
  });

  it('lets exactly 3 of 50 concurrent holds by one member user through, and the places match', async () => {
    const s = await session();
    const { auth } = await memberUser();
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => t.http.post('/v1/holds').set(auth).send({ sessionId: s.id, quantity: 2 })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((x) => x === 201)).toHaveLength(3);
    expect(statuses.filter((x) => x === 409)).toHaveLength(47);
    for (const r of responses.filter((x) => x.status === 409)) {
      expect(r.body).toMatchObject({ type: '/problems/hold-limit-reached' });
    }
    expect(await places(s.id)).toMatchObject({ booked: 0, held: 6 });
  });

  it('caps the places one member user holds on a session, per hold and in all', async () => {
    const s = await session();
    const { auth } = await memberUser();
    const tooBig = await t.http.post('/v1/holds').set(auth).send({ sessionId: s.id, quantity: 11 }).expect(409);
    expect(tooBig.body).toMatchObject({ type: '/problems/hold-limit-reached', bound: 'places', limit: 10 });
    await t.http.post('/v1/holds').set(auth).send({ sessionId: s.id, quantity: 6 }).expect(201);
    const over = await t.http.post('/v1/holds').set(auth).send({ sessionId: s.id, quantity: 5 }).expect(409);
    expect(over.body).toMatchObject({ bound: 'places', limit: 10 });
    await t.http.post('/v1/holds').set(auth).send({ sessionId: s.id, quantity: 4 }).expect(201);
    expect(await places(s.id)).toMatchObject({ held: 10 });
    // Staff at the front desk are not member users: the caps do not apply to them.
    await t.http.post('/v1/holds').set(staff).send({ sessionId: s.id, quantity: 20 }).expect(201);
  });

  it('caps renewals: after 6 holds on a session, released or not, a member user must book or ask the front desk', async () => {
    const s = await session();
    const { auth } = await memberUser();
    for (let i = 0; i < 6; i++) {
      const hold = await t.http.post('/v1/holds').set(auth).send({ sessionId: s.id, quantity: 5 }).expect(201);
      await t.http.delete(`/v1/holds/${hold.body.id}`).set(auth).expect(204);
    }
    const res = await t.http.post('/v1/holds').set(auth).send({ sessionId: s.id, quantity: 1 }).expect(409);
    expect(res.body).toMatchObject({ type: '/problems/hold-limit-reached', bound: 'holds', limit: 6 });
    expect(await places(s.id)).toMatchObject({ held: 0 });
  });

  it('gives the allowance back when a hold is booked or lapses', async () => {
    const s = await session();
    const { memberId, auth } = await memberUser();
    const holds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await t.http.post('/v1/holds').set(auth).send({ sessionId: s.id, quantity: 3 }).expect(201);
      holds.push(res.body.id as string);
    }
    await t.http.post('/v1/holds').set(auth).send({ sessionId: s.id, quantity: 1 }).expect(409);
    // Booking a hold frees its slot among the member user's live holds.
    await t.http.post('/v1/bookings').set(auth).send({ sessionId: s.id, memberId, quantity: 3, holdId: holds[0] }).expect(201);
    await t.http.post('/v1/holds').set(auth).send({ sessionId: s.id, quantity: 1 }).expect(201);
    // Past the TTL the remaining holds lapse: the next hold expires them and goes through.
    moveDateForward(31_000);
    try {
      await t.http.post('/v1/holds').set(auth).send({ sessionId: s.id, quantity: 1 }).expect(201);
      expect(await places(s.id)).toMatchObject({ booked: 3, held: 1 });
    } finally {
      jest.useRealTimers();
    }
  });
});
