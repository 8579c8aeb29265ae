import type { TestApp } from '@aero/testing';
import { createMember, createSession, createTestAppWithAdmin, createUser, createVenue } from '@aero/testing';

// Booting the app and hashing a password take a while on a loaded CI machine.
jest.setTimeout(30_000);

const WEAK = /^W\/"[^"]+"$/;
const STRONG = /^"[^"]+"$/;

describe('ETags: weak from the stored version, hashed only where there is none (e2e)', () => {
  let t: TestApp;
  let admin: Record<string, string>;

  beforeAll(async () => ({ t, admin } = await createTestAppWithAdmin()));
  afterAll(() => t.close());

  it('gives a member a weak ETag from its version: 304 while current, new tag after a change, 412 on a stale If-Match', async () => {
    const member = await createMember(t);
    const read = await t.http.get(`/v1/members/${member.id}`).set(admin).expect(200);
    expect(read.headers.etag).toMatch(WEAK);
    const notModified = await t.http.get(`/v1/members/${member.id}`).set(admin).set('If-None-Match', read.headers.etag).expect(304);
    expect(notModified.text).toBe('');

    // If-Match takes exactly what GET returned (the weak tag) and the write moves the tag on.
    const updated = await t.http
      .patch(`/v1/members/${member.id}`)
      .set(admin)
      .set('If-Match', read.headers.etag)
      .send({ firstName: 'Renamed' })
      .expect(200);
    expect(updated.headers.etag).toMatch(WEAK);
    expect(updated.headers.etag).not.toBe(read.headers.etag);

    const fresh = await t.http.get(`/v1/members/${member.id}`).set(admin).set('If-None-Match', read.headers.etag).expect(200);
    expect(fresh.body.firstName).toBe('Renamed');
    expect(fresh.headers.etag).toBe(updated.headers.etag);

    const stale = await t.http
      .patch(`/v1/members/${member.id}`)
      .set(admin)
      .set('If-Match', read.headers.etag)
      .send({ firstName: 'Lost' })
      .expect(412);
    expect(stale.headers['content-type']).toMatch(/^application\/problem\+json/);
    const after = await t.http.get(`/v1/members/${member.id}`).set(admin).expect(200);
    expect(after.body.firstName).toBe('Renamed');
  });

  it('gives a venue a weak ETag from its last update, which a change moves on', async () => {
    const venue = await createVenue(t);
    const read = await t.http.get(`/v1/venues/${venue.id}`).set(admin).expect(200);
    expect(read.headers.etag).toMatch(WEAK);
    expect(read.headers.etag).toContain(venue.id);
    await t.http.get(`/v1/venues/${venue.id}`).set(admin).set('If-None-Match', read.headers.etag).expect(304);
    // A weak comparison: the strong form of the same tag matches too (RFC 9110 §13.1.2).
    await t.http.get(`/v1/venues/${venue.id}`).set(admin).set('If-None-Match', read.headers.etag.slice(2)).expect(304);

    // The change must land on a later millisecond than the read's updatedAt for the tag to move.
    const before = Date.parse(read.body.updatedAt);
    let changed = read;
    for (let attempt = 0; attempt < 50 && Date.parse(changed.body.updatedAt) === before; attempt++) {
      changed = await t.http.patch(`/v1/venues/${venue.id}`).set(admin).send({ name: `Renamed ${attempt}` }).expect(200);
    }
    const again = await t.http.get(`/v1/venues/${venue.id}`).set(admin).set('If-None-Match', read.headers.etag).expect(200);
    expect(again.headers.etag).toMatch(WEAK);
    expect(again.headers.etag).not.toBe(read.headers.etag);
    expect(again.body.name).toBe(changed.body.name);
  });

  it('gives a user a weak ETag from its last update', async () => {
    const user = await createUser(t, { role: 'staff' });
    const read = await t.http.get(`/v1/users/${user.id}`).set(admin).expect(200);
    expect(read.headers.etag).toMatch(WEAK);
    await t.http.get(`/v1/users/${user.id}`).set(admin).set('If-None-Match', read.headers.etag).expect(304);
  });

  it('still hashes a response with no version (a session, whose places change without a row version)', async () => {
    const session = await createSession(t, { capacity: 2 });
    const read = await t.http.get(`/v1/sessions/${session.id}`).set(admin).expect(200);
    expect(read.headers.etag).toMatch(STRONG);
    await t.http.get(`/v1/sessions/${session.id}`).set(admin).set('If-None-Match', read.headers.etag).expect(304);
    const member = await createMember(t);
    await t.http.post('/v1/bookings').set(admin).send({ sessionId: session.id, memberId: member.id, quantity: 1 }).expect(201);
    const changed = await t.http.get(`/v1/sessions/${session.id}`).set(admin).set('If-None-Match', read.headers.etag).expect(200);
    expect(changed.headers.etag).not.toBe(read.headers.etag);
    expect(changed.body.remaining).toBe(1);
  });
});
