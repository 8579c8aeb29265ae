import { HoldsService } from '@aero/bookings';
import type { TestApp } from '@aero/testing';
import { createMember, createSession, createTestApp, createUser, createVenue, moveDateForward } from '@aero/testing';

// Capacity under concurrency: the conditional UPDATE and the CHECK constraint must never let a session
// oversell, whatever the interleaving. Runs on SQLite and, with DB_TYPE=postgres or mssql, on a real server.
// 50 concurrent requests take about 5 s on a loaded 2-core machine: more than Jest's default timeout.
jest.setTimeout(30_000);

describe('bookings capacity (e2e)', () => {
  let t: TestApp;
  let staff: Record<string, string>;
  let memberIds: string[];

  beforeAll(async () => {
    t = await createTestApp({
      env: { BOOKINGS_HOLD_TTL_SECONDS: '30', BOOKINGS_MAX_ACTIVE_PER_MEMBER_SESSION: '100' },
    });
    staff = (await createUser(t, { role: 'staff' })).authHeader;
    memberIds = [];
    for (let i = 0; i < 5; i++) memberIds.push((await createMember(t)).id);
  });
  afterAll(async () => {
    jest.useRealTimers();
    await t.close();
  });

  async function availability(sessionId: string) {
    const res = await t.http.get(`/v1/sessions/${sessionId}`).set(staff).expect(200);
    return res.body as { booked: number; held: number; remaining: number; capacity: number };
  }

  async function confirmedQuantity(sessionId: string): Promise<number> {
    const res = await t.http
      .get(`/v1/bookings?sessionId=${sessionId}&status=confirmed&limit=100`)
      .set(staff)
      .expect(200);
    return (res.body.data as { quantity: number }[]).reduce((sum, b) => sum + b.quantity, 0);
  }

  it('lets exactly 10 of 50 concurrent bookings into a session of 10; the rest get 409 session-full', async () => {
    const session = await createSession(t, { capacity: 10 });
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.http
          .post('/v1/bookings')
          .set(staff)
          .send({ sessionId: session.id, memberId: memberIds[i % memberIds.length], quantity: 1 }),
      ),
    );
    const created = responses.filter((r) => r.status === 201);
    const refused = responses.filter((r) => r.status === 409);
    expect(created).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const r of created)
      expect(r.body).toMatchObject({
        status: 'confirmed',
        reference: expect.stringMatching(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/),
      });
    for (const r of refused) expect(r.body).toMatchObject({ type: '/problems/session-full', remaining: 0 });
    expect(new Set(created.map((r) => r.body.reference)).size).toBe(10);
    expect(await availability(session.id)).toMatchObject({ capacity: 10, booked: 10, held: 0, remaining: 0 });
    expect(await confirmedQuantity(session.id)).toBe(10);
  });

  it('never oversells when multi-place bookings race: booked equals the sum of confirmed quantities', async () => {
    const session = await createSession(t, { capacity: 10 });
    const quantities = Array.from({ length: 30 }, (_, i) => 1 + (i % 4));
    const responses = await Promise.all(
      quantities.map((quantity, i) =>
        t.http
          .post('/v1/bookings')
          .set(staff)
          .send({ sessionId: session.id, memberId: memberIds[i % memberIds.length], quantity }),
      ),
    );
    expect(responses.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    const bookedByResponses = responses
      .filter((r) => r.status === 201)
      .reduce((sum, r) => sum + r.body.quantity, 0);
    const state = await availability(session.id);
    expect(state.booked).toBe(bookedByResponses);
    expect(state.booked).toBeLessThanOrEqual(10);
    expect(await confirmedQuantity(session.id)).toBe(state.booked);
    // Whoever was refused was told how many places were left at that moment, never more than capacity.
    for (const r of responses.filter((x) => x.status === 409))
      expect(r.body.remaining).toBeLessThanOrEqual(10);
  });

  it('lets holds and bookings race for the same places without overselling', async () => {
    const session = await createSession(t, { capacity: 10 });
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? t.http.post('/v1/holds').set(staff).send({ sessionId: session.id, quantity: 1 })
          : t.http
              .post('/v1/bookings')
              .set(staff)
              .send({ sessionId: session.id, memberId: memberIds[i % 5], quantity: 1 }),
      ),
    );
    const holds = responses.filter((r) => r.status === 201 && r.body.expiresAt);
    const bookings = responses.filter((r) => r.status === 201 && r.body.reference);
    expect(holds.length + bookings.length).toBe(10);
    expect(responses.filter((r) => r.status === 409)).toHaveLength(30);
    const state = await availability(session.id);
    expect(state).toMatchObject({ booked: bookings.length, held: holds.length, remaining: 0 });
    expect(await confirmedQuantity(session.id)).toBe(bookings.length);
  });

  it('converts a hold into a booking without taking more places', async () => {
    const session = await createSession(t, { capacity: 4 });
    const hold = await t.http
      .post('/v1/holds')
      .set(staff)
      .send({ sessionId: session.id, quantity: 3 })
      .expect(201);
    expect(await availability(session.id)).toMatchObject({ held: 3, remaining: 1 });
    const booking = await t.http
      .post('/v1/bookings')
      .set(staff)
      .send({ sessionId: session.id, memberId: memberIds[0], quantity: 3, holdId: hold.body.id })
      .expect(201);
    expect(booking.body).toMatchObject({ status: 'confirmed', holdId: hold.body.id, quantity: 3 });
    expect(await availability(session.id)).toMatchObject({ booked: 3, held: 0, remaining: 1 });
    // The hold is spent: using it again is refused and changes nothing.
    await t.http
      .post('/v1/bookings')
      .set(staff)
      .send({ sessionId: session.id, memberId: memberIds[1], quantity: 1, holdId: hold.body.id })
      .expect(409);
    expect(await availability(session.id)).toMatchObject({ booked: 3, remaining: 1 });
  });

  it('gives a released hold back at once, and releasing again is harmless', async () => {
    const session = await createSession(t, { capacity: 5 });
    const hold = await t.http
      .post('/v1/holds')
      .set(staff)
      .send({ sessionId: session.id, quantity: 5 })
      .expect(201);
    await t.http.post('/v1/holds').set(staff).send({ sessionId: session.id, quantity: 1 }).expect(409);
    await t.http.delete(`/v1/holds/${hold.body.id}`).set(staff).expect(204);
    await t.http.delete(`/v1/holds/${hold.body.id}`).set(staff).expect(204);
    expect(await availability(session.id)).toMatchObject({ held: 0, remaining: 5 });
  });

  it('gives expired holds their places back through the sweeper', async () => {
    const session = await createSession(t, { capacity: 6 });
    const held = await Promise.all(
      [2, 2, 2].map((quantity) =>
        t.http.post('/v1/holds').set(staff).send({ sessionId: session.id, quantity }).expect(201),
      ),
    );
    expect(await availability(session.id)).toMatchObject({ held: 6, remaining: 0 });
    // Nothing expires before its time.
    expect(await t.app.get(HoldsService).sweepExpired(new Date(Date.now() + 5_000))).toBe(0);
    const swept = await t.app
      .get(HoldsService)
      .sweepExpired(new Date(Date.parse(held[0].body.expiresAt) + 1_000));
    expect(swept).toBeGreaterThanOrEqual(3);
    expect(await availability(session.id)).toMatchObject({ booked: 0, held: 0, remaining: 6 });
    const hold = await t.http.get(`/v1/holds/${held[0].body.id}`).set(staff).expect(200);
    expect(hold.body.status).toBe('expired');
  });

  it('lists a day of availability with the held places of each session, in two database statements', async () => {
    const venue = await createVenue(t, { timeZone: 'America/Vancouver' });
    const day = new Date(Date.now() + 3 * 24 * 3600_000);
    day.setUTCHours(18, 0, 0, 0); // 10:00 or 11:00 in Vancouver
    const sessions = [];
    for (let i = 0; i < 3; i++) {
      sessions.push(
        await createSession(t, { venueId: venue.id, capacity: 10, startsAt: new Date(day.getTime() + i * 3600_000) }),
      );
    }
    await t.http.post('/v1/holds').set(staff).send({ sessionId: sessions[0].id, quantity: 2 }).expect(201);
    await t.http.post('/v1/holds').set(staff).send({ sessionId: sessions[0].id, quantity: 1 }).expect(201);
    await t.http.post('/v1/holds').set(staff).send({ sessionId: sessions[2].id, quantity: 4 }).expect(201);
    const date = sessions[0].startsAtLocal.slice(0, 10);

    const before = t.queryCount();
    const res = await t.http
      .get(`/v1/sessions?venueId=${venue.id}&from=${date}&to=${date}`)
      .set(staff)
      .expect(200);
    expect(t.queryCount() - before).toBeLessThanOrEqual(2);
    const byId = new Map((res.body.data as { id: string; held: number; remaining: number }[]).map((s) => [s.id, s]));
    expect(byId.get(sessions[0].id)).toMatchObject({ held: 3, remaining: 7 });
    expect(byId.get(sessions[1].id)).toMatchObject({ held: 0, remaining: 10 });
    expect(byId.get(sessions[2].id)).toMatchObject({ held: 4, remaining: 6 });
  });

  it("books with an Idempotency-Key in 10 statements, 11 for the member's next booking on the session", async () => {
    // The minimum, each statement needed (docs/architecture.md, "The booking write"): claim the key (its own
    // commit, so a concurrent same-key request sees it); BEGIN; the session with its venue and whether the
    // caller may see the member (one read); the member's allowance row, inserted already counted on a first
    // booking; the capacity UPDATE; the booking; the member's venue link; the booking.created event; the
    // stored answer; COMMIT. When the allowance row exists its insert does nothing and the conditional
    // UPDATE decides the per-member cap: one statement more.
    const session = await createSession(t, { capacity: 10 });
    const member = await createMember(t);
    let n = 0;
    const counted = async () => {
      const before = t.queryCount();
      await t.http
        .post('/v1/bookings')
        .set(staff)
        .set('Idempotency-Key', `statements-${session.id}-${++n}`)
        .send({ sessionId: session.id, memberId: member.id, quantity: 1 })
        .expect(201);
      return t.queryCount() - before;
    };
    expect(await counted()).toBe(10);
    expect(await counted()).toBe(11);
    expect(await availability(session.id)).toMatchObject({ booked: 2 });
  });

  it("holds with an Idempotency-Key in 8 statements once the holder's counter row exists, 9 before", async () => {
    // claim the key; BEGIN; the session with its venue; the holder's open-hold UPDATE; the capacity UPDATE;
    // the hold; the stored answer; COMMIT. A holder's first hold, whose UPDATE finds no row, inserts the row
    // already counted (one statement more, no retry).
    const session = await createSession(t, { capacity: 10 });
    const desk = (await createUser(t, { role: 'staff' })).authHeader;
    let n = 0;
    const counted = async () => {
      const before = t.queryCount();
      await t.http.post('/v1/holds').set(desk).set('Idempotency-Key', `hold-${session.id}-${++n}`).send({ sessionId: session.id, quantity: 1 }).expect(201);
      return t.queryCount() - before;
    };
    expect(await counted()).toBe(9);
    expect(await counted()).toBe(8);
    expect(await availability(session.id)).toMatchObject({ held: 2 });
  });

  it('cancels in 8 statements, answering from what it wrote', async () => {
    // BEGIN; the booking; its conditional UPDATE to cancelled; the member's allowance back; the places back;
    // the venue (time zone of the answer); the booking.cancelled event; COMMIT. Nothing is read back.
    const session = await createSession(t, { capacity: 10 });
    const booked = await t.http
      .post('/v1/bookings')
      .set(staff)
      .send({ sessionId: session.id, memberId: memberIds[1], quantity: 2 })
      .expect(201);
    const before = t.queryCount();
    const cancelled = await t.http.post(`/v1/bookings/${booked.body.id}/cancel`).set(staff).expect(200);
    expect(t.queryCount() - before).toBe(8);
    const stored = await t.http.get(`/v1/bookings/${booked.body.id}`).set(staff).expect(200);
    expect(cancelled.body).toEqual(stored.body);
    expect(await availability(session.id)).toMatchObject({ booked: 0, remaining: 10 });
  });

  it('treats lapsed holds as free at read time, before any sweep', async () => {
    const session = await createSession(t, { capacity: 3 });
    await t.http.post('/v1/holds').set(staff).send({ sessionId: session.id, quantity: 3 }).expect(201);
    await t.http
      .post('/v1/bookings')
      .set(staff)
      .send({ sessionId: session.id, memberId: memberIds[0], quantity: 1 })
      .expect(409);
    // Move the clock (Date only) past the 30-second TTL; no timers are faked and nothing sleeps.
    moveDateForward(31_000);
    try {
      expect(await availability(session.id)).toMatchObject({ held: 0, remaining: 3 });
      await t.http
        .post('/v1/bookings')
        .set(staff)
        .send({ sessionId: session.id, memberId: memberIds[0], quantity: 3 })
        .expect(201);
      expect(await availability(session.id)).toMatchObject({ booked: 3, held: 0, remaining: 0 });
    } finally {
      jest.useRealTimers();
    }
  });

  it('never lets capacity go below the places taken, and a cancelled session takes no bookings', async () => {
    const session = await createSession(t, { capacity: 10 });
    await t.http
      .post('/v1/bookings')
      .set(staff)
      .send({ sessionId: session.id, memberId: memberIds[0], quantity: 4 })
      .expect(201);
    const refused = await t.http
      .patch(`/v1/sessions/${session.id}`)
      .set(staff)
      .send({ capacity: 3 })
      .expect(409);
    expect(refused.body).toMatchObject({ type: '/problems/capacity-below-taken', taken: 4 });
    const shrunk = await t.http
      .patch(`/v1/sessions/${session.id}`)
      .set(staff)
      .send({ capacity: 4 })
      .expect(200);
    expect(shrunk.body).toMatchObject({ capacity: 4, booked: 4, remaining: 0 });
    await t.http
      .patch(`/v1/sessions/${session.id}`)
      .set(staff)
      .send({ capacity: 8, status: 'cancelled' })
      .expect(200);
    const res = await t.http
      .post('/v1/bookings')
      .set(staff)
      .send({ sessionId: session.id, memberId: memberIds[1], quantity: 1 })
      .expect(409);
    expect(res.body.type).toBe('/problems/session-cancelled');
    await t.http.post('/v1/holds').set(staff).send({ sessionId: session.id, quantity: 1 }).expect(409);
  });

  it('refuses quantities outside 1–20 naming the field, and caps active bookings per member and session', async () => {
    const session = await createSession(t, { capacity: 50 });
    const bad = await t.http
      .post('/v1/bookings')
      .set(staff)
      .send({ sessionId: session.id, memberId: memberIds[0], quantity: 21 })
      .expect(400);
    expect(bad.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'quantity' })]));
    await t.http
      .post('/v1/bookings')
      .set(staff)
      .send({ sessionId: session.id, memberId: memberIds[0], quantity: 0 })
      .expect(400);
  });
});
