import { randomUUID } from 'node:crypto';
import type { TestApp } from '@aero/testing';
import {
  createApiKey,
  createMember,
  createSession,
  createTestApp,
  createUser,
  createVenue,
  signWaiver,
} from '@aero/testing';

// Object-level authorization: a member user reaches only themself and their dependants; a venue-restricted
// key sees nothing of other venues. Everything else is 404 and changes nothing.
describe('bookings access, cancel and check-in (e2e)', () => {
  let t: TestApp;
  let staff: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp();
    staff = (await createUser(t, { role: 'staff' })).authHeader;
  });
  afterAll(async () => {
    await t.close();
  });

  async function book(
    sessionId: string,
    memberId: string,
    quantity = 1,
  ): Promise<{ id: string; quantity: number }> {
    const res = await t.http
      .post('/v1/bookings')
      .set(staff)
      .send({ sessionId, memberId, quantity })
      .expect(201);
    return res.body;
  }

  describe('member A and member B', () => {
    let a: Record<string, string>;
    let memberA: string;
    let memberB: string;
    let kidOfA: string;
    let sessionId: string;
    let bookingOfB: string;
    let holdOfB: string;

    beforeAll(async () => {
      memberA = (await createMember(t, { waiver: true })).id;
      memberB = (await createMember(t, { waiver: true })).id;
      kidOfA = (await createMember(t, { dateOfBirth: '2016-05-01', guardianId: memberA })).id;
      a = (await createUser(t, { role: 'member', memberId: memberA })).authHeader;
      const b = (await createUser(t, { role: 'member', memberId: memberB })).authHeader;
      sessionId = (await createSession(t, { capacity: 20 })).id;
      bookingOfB = (await book(sessionId, memberB, 2)).id;
      holdOfB = (await t.http.post('/v1/holds').set(b).send({ sessionId, quantity: 1 }).expect(201)).body.id;
    });

    it("answers 404 on every route with B's ids, and changes nothing", async () => {
      const before = {
        member: (await t.http.get(`/v1/members/${memberB}`).set(staff).expect(200)).body,
        booking: (await t.http.get(`/v1/bookings/${bookingOfB}`).set(staff).expect(200)).body,
        session: (await t.http.get(`/v1/sessions/${sessionId}`).set(staff).expect(200)).body,
      };
      const attempts = [
        t.http.get(`/v1/members/${memberB}`).set(a),
        t.http.patch(`/v1/members/${memberB}`).set(a).send({ firstName: 'Hacked' }),
        t.http.post(`/v1/members/${memberB}/waivers`).set(a).send({}),
        t.http.get(`/v1/bookings/${bookingOfB}`).set(a),
        t.http.post(`/v1/bookings/${bookingOfB}/cancel`).set(a),
        t.http.post('/v1/bookings').set(a).send({ sessionId, memberId: memberB, quantity: 1 }),
        t.http.get(`/v1/holds/${holdOfB}`).set(a),
        t.http.delete(`/v1/holds/${holdOfB}`).set(a),
        t.http
          .post('/v1/bookings')
          .set(a)
          .send({ sessionId, memberId: memberA, quantity: 1, holdId: holdOfB }),
      ];
      const statuses = (await Promise.all(attempts)).map((res) => res.status);
      expect(statuses).toEqual(attempts.map(() => 404));
      // Staff-only routes refuse a member user by role, whatever the id: nothing is revealed either.
      await t.http.delete(`/v1/members/${memberB}`).set(a).expect(403);
      await t.http
        .put(`/v1/members/${memberB}/membership`)
        .set(a)
        .send({ status: 'active', plan: 'Gold' })
        .expect(403);
      await t.http.post(`/v1/bookings/${bookingOfB}/check-in`).set(a).expect(403);

      expect((await t.http.get(`/v1/members/${memberB}`).set(staff).expect(200)).body).toEqual(before.member);
      expect((await t.http.get(`/v1/bookings/${bookingOfB}`).set(staff).expect(200)).body).toEqual(
        before.booking,
      );
      expect((await t.http.get(`/v1/sessions/${sessionId}`).set(staff).expect(200)).body).toEqual(
        before.session,
      );
    });

    it("lists only A's own family, and lets A book and cancel for themself and their dependant", async () => {
      const members = await t.http.get('/v1/members').set(a).expect(200);
      expect((members.body.data as { id: string }[]).map((m) => m.id).sort()).toEqual(
        [memberA, kidOfA].sort(),
      );
      const forKid = await t.http
        .post('/v1/bookings')
        .set(a)
        .send({ sessionId, memberId: kidOfA, quantity: 1 })
        .expect(201);
      const forSelf = await t.http
        .post('/v1/bookings')
        .set(a)
        .send({ sessionId, memberId: memberA, quantity: 1 })
        .expect(201);
      const list = await t.http.get('/v1/bookings').set(a).expect(200);
      expect((list.body.data as { id: string }[]).map((b) => b.id).sort()).toEqual(
        [forKid.body.id, forSelf.body.id].sort(),
      );
      await t.http.post(`/v1/bookings/${forKid.body.id}/cancel`).set(a).expect(200);
      // Filtering by someone else's id yields nothing rather than their bookings.
      const sneaky = await t.http.get(`/v1/bookings?memberId=${memberB}`).set(a).expect(200);
      expect(sneaky.body.data).toEqual([]);
    });
  });

  describe('guardrails', () => {
    it('lets a member user keep at most 3 holds on one session', async () => {
      const me = (await createMember(t)).id;
      const auth = (await createUser(t, { role: 'member', memberId: me })).authHeader;
      const session = await createSession(t, { capacity: 20 });
      for (let i = 0; i < 3; i++)
        await t.http.post('/v1/holds').set(auth).send({ sessionId: session.id, quantity: 2 }).expect(201);
      const res = await t.http
        .post('/v1/holds')
        .set(auth)
        .send({ sessionId: session.id, quantity: 1 })
        .expect(409);
      expect(res.body).toMatchObject({ type: '/problems/hold-limit-reached', limit: 3 });
      const state = await t.http.get(`/v1/sessions/${session.id}`).set(staff).expect(200);
      expect(state.body).toMatchObject({ held: 6, remaining: 14 });
    });

    it('creates one session when the same slot is scheduled concurrently', async () => {
      const venue = await createVenue(t);
      const body = {
        venueId: venue.id,
        activity: 'Dodgeball',
        startsAt: '2027-01-10T15:00:00Z',
        endsAt: '2027-01-10T16:00:00Z',
        capacity: 12,
      };
      const responses = await Promise.all(
        Array.from({ length: 8 }, () => t.http.post('/v1/sessions').set(staff).send(body)),
      );
      const created = responses.filter((r) => r.status === 201);
      expect(created).toHaveLength(1);
      for (const r of responses.filter((x) => x.status !== 201)) {
        expect(r.body).toMatchObject({
          status: 409,
          type: '/problems/session-exists',
          sessionId: created[0].body.id,
        });
      }
    });

    it("keeps a deleted member's bookings readable to staff", async () => {
      const member = (await createMember(t)).id;
      const booking = await book((await createSession(t)).id, member);
      await t.http.delete(`/v1/members/${member}`).set(staff).expect(204);
      const res = await t.http.get(`/v1/bookings/${booking.id}`).set(staff).expect(200);
      expect(res.body).toMatchObject({ memberId: member, status: 'confirmed' });
      // Nobody books for a deleted member.
      await t.http
        .post('/v1/bookings')
        .set(staff)
        .send({ sessionId: (await createSession(t)).id, memberId: member, quantity: 1 })
        .expect(404);
    });

    it('stops holds and bookings at a deactivated venue', async () => {
      const venue = await createVenue(t);
      const session = await createSession(t, { venueId: venue.id });
      const member = (await createMember(t)).id;
      const off = await t.http
        .patch(`/v1/venues/${venue.id}`)
        .set(await adminHeaders())
        .send({ active: false })
        .expect(200);
      expect(off.body).toMatchObject({ id: venue.id, active: false, timeZone: 'America/Toronto' });
      const res = await t.http
        .post('/v1/bookings')
        .set(staff)
        .send({ sessionId: session.id, memberId: member, quantity: 1 })
        .expect(409);
      expect(res.body.type).toBe('/problems/venue-inactive');
      await t.http.post('/v1/holds').set(staff).send({ sessionId: session.id, quantity: 1 }).expect(409);
      await t.http.patch(`/v1/venues/${venue.id}`).set(staff).send({ active: true }).expect(403);
    });

    it('records a waiver from a POST without any body', async () => {
      const member = (await createMember(t)).id;
      const res = await t.http.post(`/v1/members/${member}/waivers`).set(staff).expect(201);
      expect(res.body).toMatchObject({ memberId: member, signedByMemberId: member });
    });
  });

  describe('booking list', () => {
    it('filters by venue, status and session dates, and pages by session start without gaps or repeats', async () => {
      const venue = await createVenue(t);
      const member = (await createMember(t)).id;
      const base = Date.parse('2027-02-01T15:00:00Z');
      const ids: string[] = [];
      for (let day = 0; day < 5; day++) {
        const session = await createSession(t, {
          venueId: venue.id,
          startsAt: new Date(base + day * 86_400_000),
        });
        ids.push((await book(session.id, member)).id);
      }
      await t.http.post(`/v1/bookings/${ids[4]}/cancel`).set(staff).expect(200);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/v1/bookings?venueId=${venue.id}&status=confirmed&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await t.http.get(url).set(staff).expect(200);
        seen.push(...(page.body.data as { id: string }[]).map((b) => b.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(ids.slice(0, 4));
      const window = await t.http
        .get(`/v1/bookings?venueId=${venue.id}&from=2027-02-02&to=2027-02-03`)
        .set(staff)
        .expect(200);
      expect((window.body.data as { id: string }[]).map((b) => b.id)).toEqual([ids[1], ids[2]]);
      expect(window.body.data[0]).toMatchObject({
        sessionStartsAt: '2027-02-02T15:00:00.000Z',
        sessionStartsAtLocal: '2027-02-02T10:00:00-05:00',
      });
    });
  });

  describe('a venue-restricted API key', () => {
    it('sees nothing of other venues', async () => {
      const mine = await createVenue(t);
      const other = await createVenue(t);
      const member = (await createMember(t)).id;
      const mySession = await createSession(t, { venueId: mine.id });
      const otherSession = await createSession(t, { venueId: other.id });
      const otherBooking = await book(otherSession.id, member);
      const myBooking = await book(mySession.id, member);
      const key = (
        await createApiKey(t, {
          scopes: ['venues:read', 'bookings:read', 'bookings:write'],
          venueIds: [mine.id],
          app: 'kiosk',
        })
      ).authHeader;

      const venues = await t.http.get('/v1/venues?limit=100').set(key).expect(200);
      expect((venues.body.data as { id: string }[]).map((v) => v.id)).toEqual([mine.id]);
      await t.http.get(`/v1/venues/${other.id}`).set(key).expect(404);
      await t.http.get(`/v1/sessions?venueId=${other.id}`).set(key).expect(404);
      await t.http.get(`/v1/sessions/${otherSession.id}`).set(key).expect(404);
      await t.http.get(`/v1/bookings/${otherBooking.id}`).set(key).expect(404);
      await t.http.post(`/v1/bookings/${otherBooking.id}/cancel`).set(key).expect(404);
      await t.http
        .post('/v1/bookings')
        .set(key)
        .set('Idempotency-Key', randomUUID())
        .send({ sessionId: otherSession.id, memberId: member, quantity: 1 })
        .expect(404);
      await t.http
        .post('/v1/holds')
        .set(key)
        .set('Idempotency-Key', randomUUID())
        .send({ sessionId: otherSession.id, quantity: 1 })
        .expect(404);
      const list = await t.http.get('/v1/bookings?limit=100').set(key).expect(200);
      expect((list.body.data as { id: string }[]).map((b) => b.id)).toEqual([myBooking.id]);
      await t.http.get(`/v1/sessions/${mySession.id}`).set(key).expect(200);
      const otherState = await t.http.get(`/v1/bookings/${otherBooking.id}`).set(staff).expect(200);
      expect(otherState.body.status).toBe('confirmed');
    });
  });

  describe('cancel and check-in', () => {
    it('cancels once: a second cancel returns the same booking and releases nothing more', async () => {
      const session = await createSession(t, { capacity: 5 });
      const member = (await createMember(t)).id;
      const booking = await book(session.id, member, 3);
      await book(session.id, (await createMember(t)).id, 1);
      const first = await t.http.post(`/v1/bookings/${booking.id}/cancel`).set(staff).expect(200);
      const second = await t.http.post(`/v1/bookings/${booking.id}/cancel`).set(staff).expect(200);
      expect(first.body).toMatchObject({ status: 'cancelled', cancelledAt: expect.any(String) });
      expect(second.body).toEqual(first.body);
      const state = await t.http.get(`/v1/sessions/${session.id}`).set(staff).expect(200);
      expect(state.body).toMatchObject({ booked: 1, remaining: 4 });
      const checkIn = await t.http.post(`/v1/bookings/${booking.id}/check-in`).set(staff).expect(409);
      expect(checkIn.body.type).toBe('/problems/booking-cancelled');
    });

    const soon = () => new Date(Date.now() + 30 * 60_000);

    it('refuses check-in without a waiver (409 waiver-required), then checks in once a waiver is signed; twice is harmless', async () => {
      const session = await createSession(t, { startsAt: soon() });
      const member = (await createMember(t)).id;
      const booking = await book(session.id, member);
      const refused = await t.http.post(`/v1/bookings/${booking.id}/check-in`).set(staff).expect(409);
      expect(refused.body).toMatchObject({ type: '/problems/waiver-required', memberId: member });
      await t.http.post(`/v1/members/${member}/waivers`).set(staff).send({}).expect(201);
      const first = await t.http.post(`/v1/bookings/${booking.id}/check-in`).set(staff).expect(200);
      const second = await t.http.post(`/v1/bookings/${booking.id}/check-in`).set(staff).expect(200);
      expect(first.body.checkedInAt).toEqual(expect.any(String));
      expect(second.body.checkedInAt).toBe(first.body.checkedInAt);
      // Arrived guests cannot be cancelled away.
      const cancel = await t.http.post(`/v1/bookings/${booking.id}/cancel`).set(staff).expect(409);
      expect(cancel.body.type).toBe('/problems/booking-checked-in');
    });

    it('checks in a minor whose guardian signed the waiver', async () => {
      const parent = (await createMember(t)).id;
      const kid = (await createMember(t, { dateOfBirth: '2017-03-03', guardianId: parent })).id;
      await signWaiver(t, kid, parent);
      const booking = await book((await createSession(t, { startsAt: soon() })).id, kid);
      await t.http.post(`/v1/bookings/${booking.id}/check-in`).set(staff).expect(200);
    });

    it('opens check-in only from 2 hours before the start', async () => {
      const session = await createSession(t, { startsAt: new Date(Date.now() + 26 * 3600_000) });
      const booking = await book(session.id, (await createMember(t, { waiver: true })).id);
      const res = await t.http.post(`/v1/bookings/${booking.id}/check-in`).set(staff).expect(409);
      expect(res.body).toMatchObject({ type: '/problems/check-in-closed', closesAt: session.endsAt });
      expect(Date.parse(res.body.opensAt)).toBe(Date.parse(session.startsAt) - 2 * 3600_000);
      const after = await t.http.get(`/v1/bookings/${booking.id}`).set(staff).expect(200);
      expect(after.body.checkedInAt).toBeNull();
    });

    it('caps active bookings per member and session (default 3)', async () => {
      const session = await createSession(t, { capacity: 20 });
      const member = (await createMember(t)).id;
      for (let i = 0; i < 3; i++) await book(session.id, member);
      const res = await t.http
        .post('/v1/bookings')
        .set(staff)
        .send({ sessionId: session.id, memberId: member, quantity: 1 })
        .expect(409);
      expect(res.body).toMatchObject({ type: '/problems/booking-limit-reached', limit: 3 });
    });

    it('refuses a second booking with the same externalRef from the same app, naming the first', async () => {
      const session = await createSession(t, { capacity: 20 });
      const member = (await createMember(t)).id;
      const web = (await createApiKey(t, { scopes: ['bookings:write', 'bookings:read'], app: 'web' }))
        .authHeader;
      const body = { sessionId: session.id, memberId: member, quantity: 1, externalRef: 'web-order-1' };
      const first = await t.http.post('/v1/bookings').set(web).set('Idempotency-Key', 'order-1-a').send(body).expect(201);
      // A new key (a new intent) with the same externalRef is still refused, naming the first booking.
      const again = await t.http.post('/v1/bookings').set(web).set('Idempotency-Key', 'order-1-b').send(body).expect(409);
      expect(again.body).toMatchObject({ type: '/problems/external-ref-taken', bookingId: first.body.id });
      const state = await t.http.get(`/v1/sessions/${session.id}`).set(staff).expect(200);
      expect(state.body.booked).toBe(1);
    });
  });

  describe('venue-local times across daylight-saving changes (America/Toronto)', () => {
    it('shows 10:00 local on both sides of 2026-03-08 and 2026-11-01, with the right UTC instants', async () => {
      const venue = (
        await t.http
          .post('/v1/venues')
          .set(await adminHeaders())
          .send({ name: 'DST Park', timeZone: 'America/Toronto' })
          .expect(201)
      ).body;
      for (const startsAt of [
        '2026-03-07T10:00:00-05:00',
        '2026-03-08T10:00:00-04:00',
        '2026-03-09T10:00:00-04:00',
        '2026-10-31T10:00:00-04:00',
        '2026-11-01T10:00:00-05:00',
        '2026-11-02T10:00:00-05:00',
      ]) {
        const endsAt = new Date(Date.parse(startsAt) + 3600_000).toISOString();
        await t.http
          .post('/v1/sessions')
          .set(staff)
          .send({ venueId: venue.id, activity: 'Open Jump', startsAt, endsAt, capacity: 40 })
          .expect(201);
      }
      const spring = await t.http
        .get(`/v1/sessions?venueId=${venue.id}&from=2026-03-07&to=2026-03-09`)
        .set(staff)
        .expect(200);
      expect(
        spring.body.data.map((s: { startsAt: string; startsAtLocal: string; endsAtLocal: string }) => [
          s.startsAt,
          s.startsAtLocal,
          s.endsAtLocal,
        ]),
      ).toEqual([
        ['2026-03-07T15:00:00.000Z', '2026-03-07T10:00:00-05:00', '2026-03-07T11:00:00-05:00'],
        ['2026-03-08T14:00:00.000Z', '2026-03-08T10:00:00-04:00', '2026-03-08T11:00:00-04:00'],
        ['2026-03-09T14:00:00.000Z', '2026-03-09T10:00:00-04:00', '2026-03-09T11:00:00-04:00'],
      ]);
      const autumn = await t.http
        .get(`/v1/sessions?venueId=${venue.id}&from=2026-10-31&to=2026-11-02`)
        .set(staff)
        .expect(200);
      expect(
        autumn.body.data.map((s: { startsAt: string; startsAtLocal: string }) => [
          s.startsAt,
          s.startsAtLocal,
        ]),
      ).toEqual([
        ['2026-10-31T14:00:00.000Z', '2026-10-31T10:00:00-04:00'],
        ['2026-11-01T15:00:00.000Z', '2026-11-01T10:00:00-05:00'],
        ['2026-11-02T15:00:00.000Z', '2026-11-02T10:00:00-05:00'],
      ]);
      // These dates may be past when the suite runs: then they are over, with nothing left to sell.
      const over = new Date(autumn.body.data[0].endsAt) <= new Date();
      expect(autumn.body.data[0]).toMatchObject({
        timeZone: 'America/Toronto',
        capacity: 40,
        booked: 0,
        remaining: over ? 0 : 40,
        bookable: !over,
      });
      // Paging through a range keeps the order and loses nothing.
      const page1 = await t.http
        .get(`/v1/sessions?venueId=${venue.id}&from=2026-10-31&to=2026-11-02&limit=2`)
        .set(staff)
        .expect(200);
      expect(page1.body.data).toHaveLength(2);
      const page2 = await t.http
        .get(
          `/v1/sessions?venueId=${venue.id}&from=2026-10-31&to=2026-11-02&limit=2&cursor=${page1.body.nextCursor}`,
        )
        .set(staff)
        .expect(200);
      expect(page2.body).toMatchObject({ nextCursor: null });
      expect(page2.body.data.map((s: { startsAtLocal: string }) => s.startsAtLocal)).toEqual([
        '2026-11-02T10:00:00-05:00',
      ]);
      // Scheduling the same slot again creates no duplicate.
      const dup = await t.http
        .post('/v1/sessions')
        .set(staff)
        .send({
          venueId: venue.id,
          activity: 'Open Jump',
          startsAt: '2026-11-01T15:00:00Z',
          endsAt: '2026-11-01T16:00:00Z',
          capacity: 40,
        })
        .expect(409);
      expect(dup.body.type).toBe('/problems/session-exists');
    });

    it('rejects an unknown time zone naming the field', async () => {
      const res = await t.http
        .post('/v1/venues')
        .set(await adminHeaders())
        .send({ name: 'Nowhere', timeZone: 'Mars/Base' })
        .expect(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'timeZone' })]);
    });
  });

  let admin: Record<string, string> | undefined;
  async function adminHeaders(): Promise<Record<string, string>> {
    admin ??= (await createUser(t, { role: 'admin' })).authHeader;
    return admin;
  }
});
