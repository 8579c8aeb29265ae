import type { TestApp } from '@aero/testing';
import {
  byInstantThenId,
  createApiKey,
  createMember,
  createSession,
  createTestAppWithAdmin,
  createUser,
  createVenue,
  setInstant,
  walkPages,
} from '@aero/testing';

jest.setTimeout(120_000);

/**
 * Instants one to a few milliseconds apart: every last digit .000–.009, both sides of the 1/300 s steps
 * SQL Server's legacy `datetime` rounds to (.003, .007, .333, .667, .997), a tie on the very same
 * millisecond (broken by id), and the carry into the next second. A cursor sent with less precision than
 * the column holds would select its own row again (an endless loop) or skip its neighbours.
 */
const BASE = Date.parse('2027-04-01T10:00:00.000Z');
const OFFSETS_MS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 332, 333, 334, 666, 667, 668, 996, 997, 998, 999, 999, 1000, 1001];
const INSTANTS = OFFSETS_MS.map((ms) => new Date(BASE + ms));

describe('keyset paging over instants a millisecond apart (e2e)', () => {
  let t: TestApp;
  let admin: Record<string, string>;

  beforeAll(async () => ({ t, admin } = await createTestAppWithAdmin()));
  afterAll(() => t.close());

  it('GET /v1/users shows every user exactly once, in (createdAt, id) order', async () => {
    const existing = await walkPages(t, '/v1/users', admin, 10);
    const rows: { id: string; at: Date }[] = [];
    for (const at of INSTANTS) {
      const user = await createUser(t, { role: 'staff' });
      await setInstant(t, 'users', user.id, { createdAt: at });
      rows.push({ id: user.id, at });
    }
    const seen = await walkPages(t, '/v1/users', admin, rows.length + existing.length);
    expect(seen.filter((id) => !existing.includes(id))).toEqual(byInstantThenId(rows));
    expect(seen).toHaveLength(rows.length + existing.length);
  });

  it('GET /v1/api-keys shows every key exactly once, in (createdAt, id) order', async () => {
    const rows: { id: string; at: Date }[] = [];
    for (const at of INSTANTS) {
      const key = await createApiKey(t, { scopes: ['members:read'] });
      await setInstant(t, 'api_keys', key.id, { createdAt: at });
      rows.push({ id: key.id, at });
    }
    expect(await walkPages(t, '/v1/api-keys', admin, rows.length)).toEqual(byInstantThenId(rows));
  });

  it('GET /v1/sessions and GET /v1/bookings show every session and booking exactly once, by start', async () => {
    const venue = await createVenue(t);
    const member = await createMember(t, { waiver: true });
    const sessions: { id: string; at: Date }[] = [];
    const bookings: { id: string; at: Date }[] = [];
    for (const at of INSTANTS) {
      const session = await createSession(t, { venueId: venue.id, startsAt: at });
      sessions.push({ id: session.id, at });
      const booking = await t.http
        .post('/v1/bookings')
        .set(admin)
        .send({ sessionId: session.id, memberId: member.id, quantity: 1 })
        .expect(201);
      bookings.push({ id: booking.body.id as string, at });
    }
    const window = `venueId=${venue.id}&from=2027-04-01&to=2027-04-02`;
    expect(await walkPages(t, `/v1/sessions?${window}`, admin, sessions.length)).toEqual(byInstantThenId(sessions));
    expect(await walkPages(t, `/v1/bookings?${window}`, admin, bookings.length)).toEqual(byInstantThenId(bookings));
  });

  it('a cursor changed by one character is a 400 naming cursor, on every list', async () => {
    await createUser(t, { role: 'staff' });
    const page = await t.http.get('/v1/users?limit=1').set(admin).expect(200);
    const cursor = page.body.nextCursor as string;
    const tampered = `${cursor[0] === 'e' ? 'f' : 'e'}${cursor.slice(1)}`;
    for (const path of ['/v1/users', '/v1/api-keys', '/v1/members', '/v1/venues', '/v1/bookings']) {
      const res = await t.http.get(`${path}?cursor=${tampered}`).set(admin).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors).toEqual([{ field: 'cursor', message: 'is not a cursor issued by this API' }]);
    }
    // A users cursor is no members cursor either: its fields do not fit that list's order.
    await t.http.get(`/v1/members?cursor=${cursor}`).set(admin).expect(400);
  });
});
