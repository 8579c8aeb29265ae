import type { TestApp } from '@aero/testing';
import { adminAuth, createApiKey, createMember, createSession, createTestApp, createUser, createVenue } from '@aero/testing';

// Setting up users (Argon2id) and concurrent bursts takes a while on a loaded 2-core machine.
jest.setTimeout(60_000);

// Least privilege below the platform: members belong to venues (their home venue and every venue they
// booked at); a venue-restricted key or staff user sees and changes only those members, and anything else
// is 404, exactly like a member that does not exist.
describe('members tied to venues (e2e)', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let venueA: string;
  let venueB: string;
  let keyA: Record<string, string>;
  let staffA: Record<string, string>;
  let atA: string;
  let atB: string;
  let nowhere: string;
  let bookedAtA: string;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await adminAuth(t);
    venueA = (await createVenue(t)).id;
    venueB = (await createVenue(t)).id;
    keyA = (
      await createApiKey(t, {
        scopes: ['members:read', 'members:write', 'venues:read', 'venues:write', 'bookings:write'],
        venueIds: [venueA],
      })
    ).authHeader;
    staffA = (await createUser(t, { role: 'staff', venueIds: [venueA] })).authHeader;
    atA = (await createMember(t, { homeVenueId: venueA })).id;
    atB = (await createMember(t, { homeVenueId: venueB })).id;
    nowhere = (await createMember(t)).id;
    bookedAtA = (await createMember(t, { homeVenueId: venueB })).id;
    const sessionAtA = await createSession(t, { venueId: venueA });
    await t.http
      .post('/v1/bookings')
      .set(admin)
      .send({ sessionId: sessionAtA.id, memberId: bookedAtA, quantity: 1 })
      .expect(201);
  });
  afterAll(() => t.close());

  async function listIds(auth: Record<string, string>): Promise<string[]> {
    const res = await t.http.get('/v1/members?limit=100').set(auth).expect(200);
    return (res.body.data as { id: string }[]).map((m) => m.id).sort();
  }

  it('lists to a venue-restricted key and staff user only the members of their venue', async () => {
    const expected = [atA, bookedAtA].sort();
    expect(await listIds(keyA)).toEqual(expected);
    expect(await listIds(staffA)).toEqual(expected);
    // Platform-wide callers still see everyone.
    expect(await listIds(admin)).toEqual(expect.arrayContaining([atA, atB, nowhere, bookedAtA]));
  });

  it('answers 404 for members of other venues, and changes nothing', async () => {
    for (const auth of [keyA, staffA]) {
      for (const id of [atB, nowhere]) {
        const get = await t.http.get(`/v1/members/${id}`).set(auth).expect(404);
        expect(get.body).toMatchObject({ type: '/problems/member-not-found' });
        await t.http.patch(`/v1/members/${id}`).set(auth).send({ firstName: 'Mallory' }).expect(404);
        await t.http.post(`/v1/members/${id}/waivers`).set(auth).send({}).expect(404);
      }
    }
    const untouched = await t.http.get(`/v1/members/${atB}`).set(admin).expect(200);
    expect(untouched.body).toMatchObject({ firstName: 'Test', waiverValidUntil: null, version: 1 });
    // A member of their venue is theirs to read and change.
    await t.http.get(`/v1/members/${bookedAtA}`).set(keyA).expect(200);
    await t.http.patch(`/v1/members/${atA}`).set(staffA).send({ phone: '+1 416-555-0100' }).expect(200);
  });

  it('registers members at the caller’s venue, and refuses another venue naming homeVenueId', async () => {
    const created = await t.http
      .post('/v1/members')
      .set(keyA)
      .send({ firstName: 'Kai', lastName: 'Walker', dateOfBirth: '1992-04-01' })
      .expect(201);
    expect(created.body).toMatchObject({ homeVenueId: venueA });
    expect(await listIds(keyA)).toContain(created.body.id);
    const elsewhere = await t.http
      .post('/v1/members')
      .set(keyA)
      .send({ firstName: 'Kai', lastName: 'Walker', dateOfBirth: '1992-04-01', homeVenueId: venueB })
      .expect(400);
    expect(elsewhere.body.errors).toEqual([expect.objectContaining({ field: 'homeVenueId' })]);
    const moved = await t.http.patch(`/v1/members/${atA}`).set(keyA).send({ homeVenueId: venueB }).expect(400);
    expect(moved.body.errors).toEqual([expect.objectContaining({ field: 'homeVenueId' })]);
    // A venue that does not exist is a 400 for platform-wide callers too, never a 500.
    const dangling = await t.http
      .post('/v1/members')
      .set(admin)
      .send({
        firstName: 'Kai',
        lastName: 'Walker',
        dateOfBirth: '1992-04-01',
        homeVenueId: '00000000-0000-4000-8000-000000000000',
      })
      .expect(400);
    expect(dangling.body.errors).toEqual([expect.objectContaining({ field: 'homeVenueId' })]);
  });

  it('does not let a venue-restricted key create venues', async () => {
    const before = await t.http.get('/v1/venues?limit=100').set(admin).expect(200);
    const res = await t.http
      .post('/v1/venues')
      .set(keyA)
      .send({ name: 'Shadow Park', timeZone: 'America/Toronto' })
      .expect(403);
    expect(res.body).toMatchObject({ type: '/problems/forbidden' });
    const after = await t.http.get('/v1/venues?limit=100').set(admin).expect(200);
    expect(after.body.data).toHaveLength(before.body.data.length);
  });

  it('does not let a member user without a linked member create members', async () => {
    const unlinked = (await createUser(t, { role: 'member' })).authHeader;
    const before = await listIds(admin);
    const res = await t.http
      .post('/v1/members')
      .set(unlinked)
      .send({ firstName: 'Ghost', lastName: 'Writer', dateOfBirth: '2015-02-02' })
      .expect(403);
    expect(res.body).toMatchObject({ type: '/problems/forbidden' });
    expect(await listIds(admin)).toEqual(before);
  });
});
