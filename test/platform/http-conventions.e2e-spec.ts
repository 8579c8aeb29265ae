import type { TestApp } from '@aero/testing';
import { createApiKey, createMember, createSession, createTestAppWithAdmin, createVenue } from '@aero/testing';

const HOUR = 3600_000;

// Booting the app and hashing a password take a while on a loaded CI machine.
jest.setTimeout(30_000);

describe('HTTP conventions: Location, ETag, conditional requests, availability (e2e)', () => {
  let t: TestApp;
  let admin: Record<string, string>;

  beforeAll(async () => ({ t, admin } = await createTestAppWithAdmin()));
  afterAll(() => t.close());

  it('answers every create with 201 and a Location that reads the new resource back', async () => {
    const venue = await t.http.post('/v1/venues').set(admin).send({ name: 'Location Park', timeZone: 'America/Toronto' }).expect(201);
    expect(venue.headers.location).toBe(`/v1/venues/${venue.body.id}`);
    const startsAt = new Date(Date.now() + 48 * HOUR);
    const session = await t.http
      .post('/v1/sessions')
      .set(admin)
      .send({
        venueId: venue.body.id,
        activity: 'Open Jump',
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + HOUR).toISOString(),
        capacity: 5,
      })
      .expect(201);
    const member = await t.http
      .post('/v1/members')
      .set(admin)
      .send({ firstName: 'Ada', lastName: 'Location', dateOfBirth: '1990-01-01', email: 'ada.location@example.test' })
      .expect(201);
    const hold = await t.http.post('/v1/holds').set(admin).send({ sessionId: session.body.id, quantity: 1 }).expect(201);
    const booking = await t.http.post('/v1/bookings').set(admin).send({ sessionId: session.body.id, memberId: member.body.id, quantity: 1 }).expect(201);
    for (const created of [venue, session, member, hold, booking]) {
      const read = await t.http.get(created.headers.location).set(admin).expect(200);
      expect(read.body.id).toBe(created.body.id);
    }
  });

  it('sends an ETag on single resources and answers a matching If-None-Match with 304', async () => {
    const session = await createSession(t, { capacity: 4 });
    const first = await t.http.get(`/v1/sessions/${session.id}`).set(admin).expect(200);
    expect(first.headers.etag).toMatch(/^"[^"]+"$/);
    const again = await t.http.get(`/v1/sessions/${session.id}`).set(admin).set('If-None-Match', first.headers.etag).expect(304);
    expect(again.text).toBe('');
    // A change (one place booked) makes the old ETag stale: the full representation comes back.
    const member = await createMember(t);
    await t.http.post('/v1/bookings').set(admin).send({ sessionId: session.id, memberId: member.id, quantity: 1 }).expect(201);
    const changed = await t.http.get(`/v1/sessions/${session.id}`).set(admin).set('If-None-Match', first.headers.etag).expect(200);
    expect(changed.headers.etag).not.toBe(first.headers.etag);
    expect(changed.body.remaining).toBe(3);
  });

  it('honours If-Match on PUT /v1/members/:id/membership: 412 when stale, 200 with a new ETag when current', async () => {
    const member = await createMember(t);
    const read = await t.http.get(`/v1/members/${member.id}`).set(admin).expect(200);
    const etag = read.headers.etag as string;
    await t.http.patch(`/v1/members/${member.id}`).set(admin).send({ phone: '+14165550100' }).expect(200);
    const stale = await t.http
      .put(`/v1/members/${member.id}/membership`)
      .set(admin)
      .set('If-Match', etag)
      .send({ plan: 'monthly', status: 'active' })
      .expect(412);
    expect(stale.body.type).toBe('/problems/precondition-failed');
    const current = await t.http.get(`/v1/members/${member.id}`).set(admin).expect(200);
    const ok = await t.http
      .put(`/v1/members/${member.id}/membership`)
      .set(admin)
      .set('If-Match', current.headers.etag)
      .send({ plan: 'monthly', status: 'active' })
      .expect(200);
    expect(ok.headers.etag).not.toBe(current.headers.etag);
    expect(ok.body.membership).toMatchObject({ plan: 'monthly', status: 'active' });
  });

  it('marks sessions that can no longer be booked, says why, and can leave them out', async () => {
    const venue = await createVenue(t);
    const ended = await createSession(t, { venueId: venue.id, startsAt: new Date(Date.now() - 3 * HOUR), activity: 'Ended' });
    const full = await createSession(t, { venueId: venue.id, capacity: 1, activity: 'Full' });
    const open = await createSession(t, { venueId: venue.id, capacity: 3, activity: 'Open' });
    const member = await createMember(t);
    await t.http.post('/v1/bookings').set(admin).send({ sessionId: full.id, memberId: member.id, quantity: 1 }).expect(201);
    const from = new Date(Date.now() - 24 * HOUR).toISOString();
    const to = new Date(Date.now() + 72 * HOUR).toISOString();
    const key = await createApiKey(t, { scopes: ['bookings:read'] });
    const all = await t.http.get('/v1/sessions').query({ venueId: venue.id, from, to }).set(key.authHeader).expect(200);
    const byId = new Map((all.body.data as { id: string }[]).map((s) => [s.id, s]));
    expect(byId.get(ended.id)).toMatchObject({ bookable: false, unbookableReason: 'ended', remaining: 0 });
    expect(byId.get(full.id)).toMatchObject({ bookable: false, unbookableReason: 'full', remaining: 0 });
    expect(byId.get(open.id)).toMatchObject({ bookable: true, unbookableReason: null, remaining: 3 });
    const bookable = await t.http
      .get('/v1/sessions')
      .query({ venueId: venue.id, from, to, bookableOnly: true })
      .set(key.authHeader)
      .expect(200);
    expect((bookable.body.data as { id: string }[]).map((s) => s.id)).toEqual([open.id]);
    // What the flag promises is what booking does.
    const refused = await t.http.post('/v1/bookings').set(admin).send({ sessionId: ended.id, memberId: member.id, quantity: 1 }).expect(409);
    expect(refused.body.type).toBe('/problems/session-over');
  });

  it('gives a 400 for a path that is not valid percent-encoding a requestId, like every problem', async () => {
    const res = await t.http.get('/v1/members/%E0%A4%A').set(admin).expect(400);
    expect(res.body.requestId).toEqual(expect.any(String));
    expect(res.headers['x-request-id']).toBe(res.body.requestId);
  });

  it('answers malformed JSON with the documented 400 shape (checked against openapi.json)', async () => {
    const res = await t.http.post('/v1/members').set(admin).set('Content-Type', 'application/json').send('{"firstName": ').expect(400);
    expect(res.body).toMatchObject({ type: '/problems/malformed-json', status: 400, requestId: expect.any(String) });
  });
});
