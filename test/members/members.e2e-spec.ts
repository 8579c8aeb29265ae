import type { TestApp } from '@aero/testing';
import { createMember, createTestApp, createUser } from '@aero/testing';

describe('members (e2e)', () => {
  let t: TestApp;
  let staff: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp();
    staff = (await createUser(t, { role: 'staff' })).authHeader;
  });
  afterAll(async () => {
    await t.close();
  });

  const maya = {
    firstName: 'Maya',
    lastName: 'Singh',
    dateOfBirth: '1987-06-21',
    email: 'Maya.Singh@Example.com',
    phone: '+1 416-555-0134',
  };

  it('creates a member, answers with an ETag, and refuses the same email in another case', async () => {
    const res = await t.http.post('/v1/members').set(staff).send(maya).expect(201);
    expect(res.body).toMatchObject({
      firstName: 'Maya',
      email: 'Maya.Singh@Example.com',
      isMinor: false,
      waiverValidUntil: null,
      waiverValid: false,
      membership: { plan: null, status: 'none', validUntil: null },
      version: 1,
    });
    expect(res.headers.etag).toBe('W/"1"');
    const dup = await t.http
      .post('/v1/members')
      .set(staff)
      .send({ ...maya, email: 'maya.singh@example.COM' })
      .expect(409);
    expect(dup.body.type).toBe('/problems/member-email-taken');
  });

  it('names each bad field', async () => {
    const res = await t.http
      .post('/v1/members')
      .set(staff)
      .send({ firstName: '', lastName: 'X', dateOfBirth: '2020-02-30', email: 'nope', role: 'admin' })
      .expect(400);
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['firstName', 'dateOfBirth', 'email', 'role']));
  });

  it("answers a stale If-Match with 412 and keeps the other writer's change", async () => {
    const created = await t.http
      .post('/v1/members')
      .set(staff)
      .send({ firstName: 'Ada', lastName: 'Lovelace', dateOfBirth: '1990-12-10' })
      .expect(201);
    const id = created.body.id;
    const read = await t.http.get(`/v1/members/${id}`).set(staff).expect(200);
    const etag = read.headers.etag;
    const first = await t.http
      .patch(`/v1/members/${id}`)
      .set(staff)
      .set('If-Match', etag)
      .send({ phone: '+44 20 7946 0000' })
      .expect(200);
    expect(first.headers.etag).toBe('W/"2"');
    const stale = await t.http
      .patch(`/v1/members/${id}`)
      .set(staff)
      .set('If-Match', etag)
      .send({ phone: '+44 20 7946 1111' })
      .expect(412);
    expect(stale.body.type).toBe('/problems/precondition-failed');
    const after = await t.http.get(`/v1/members/${id}`).set(staff).expect(200);
    expect(after.body).toMatchObject({ phone: '+44 20 7946 0000', version: 2 });
    await t.http
      .patch(`/v1/members/${id}`)
      .set(staff)
      .set('If-Match', after.headers.etag)
      .send({ phone: null })
      .expect(200);
  });

  it('searches by name or email prefix, alphabetically, across pages', async () => {
    for (const [first, last] of [
      ['Zoe', 'Prefixa'],
      ['Amir', 'Prefixa'],
      ['Bea', 'Prefixb'],
      ['Cal', 'Other'],
    ]) {
      await createMember(t, {
        firstName: first,
        lastName: last,
        email: `${first.toLowerCase()}.${last.toLowerCase()}@example.test`,
      });
    }
    const page1 = await t.http.get('/v1/members?search=prefix&limit=2').set(staff).expect(200);
    expect(page1.body.data.map((m: { firstName: string }) => m.firstName)).toEqual(['Amir', 'Zoe']);
    const page2 = await t.http
      .get(`/v1/members?search=prefix&limit=2&cursor=${page1.body.nextCursor}`)
      .set(staff)
      .expect(200);
    expect(page2.body).toMatchObject({ nextCursor: null });
    expect(page2.body.data.map((m: { firstName: string }) => m.firstName)).toEqual(['Bea']);
    const byEmail = await t.http.get('/v1/members?search=CAL.OTH').set(staff).expect(200);
    expect(byEmail.body.data.map((m: { firstName: string }) => m.firstName)).toEqual(['Cal']);
    const byFirst = await t.http.get('/v1/members?search=zo').set(staff).expect(200);
    expect(byFirst.body.data.map((m: { lastName: string }) => m.lastName)).toContain('Prefixa');
    const wildcard = await t.http.get('/v1/members?search=%25').set(staff).expect(200);
    expect(wildcard.body.data).toEqual([]);
    await t.http.get('/v1/members?cursor=garbage').set(staff).expect(400);
  });

  it('records waivers: an adult signs for themself, a guardian signs for a minor', async () => {
    const parent = await createMember(t);
    const kid = await t.http
      .post('/v1/members')
      .set(staff)
      .send({ firstName: 'Kid', lastName: 'Parent', dateOfBirth: '2015-04-04', guardianId: parent.id })
      .expect(201);
    expect(kid.body).toMatchObject({ isMinor: true, guardianId: parent.id });
    const own = await t.http.post(`/v1/members/${parent.id}/waivers`).set(staff).send({}).expect(201);
    expect(own.body).toMatchObject({ memberId: parent.id, signedByMemberId: parent.id });
    const refused = await t.http.post(`/v1/members/${kid.body.id}/waivers`).set(staff).send({}).expect(409);
    expect(refused.body.type).toBe('/problems/guardian-must-sign');
    const signed = await t.http
      .post(`/v1/members/${kid.body.id}/waivers`)
      .set(staff)
      .send({ signedByMemberId: parent.id })
      .expect(201);
    const after = await t.http.get(`/v1/members/${kid.body.id}`).set(staff).expect(200);
    expect(after.body).toMatchObject({ waiverValidUntil: signed.body.validUntil, waiverValid: true });
    const days = (Date.parse(signed.body.validUntil) - Date.parse(signed.body.signedAt)) / 86_400_000;
    expect(days).toBe(365);
  });

  it('refuses an adult or a minor as guardian', async () => {
    const adult = await createMember(t);
    const minor = await createMember(t, { dateOfBirth: '2014-01-01' });
    await t.http
      .post('/v1/members')
      .set(staff)
      .send({ firstName: 'A', lastName: 'B', dateOfBirth: '1999-01-01', guardianId: adult.id })
      .expect(409);
    const res = await t.http
      .post('/v1/members')
      .set(staff)
      .send({ firstName: 'A', lastName: 'B', dateOfBirth: '2016-01-01', guardianId: minor.id })
      .expect(409);
    expect(res.body.type).toBe('/problems/invalid-guardian');
  });

  it('moves membership only through sensible states', async () => {
    const m = await createMember(t);
    await t.http
      .put(`/v1/members/${m.id}/membership`)
      .set(staff)
      .send({ status: 'paused', plan: 'Gold' })
      .expect(409);
    const active = await t.http
      .put(`/v1/members/${m.id}/membership`)
      .set(staff)
      .send({ status: 'active', plan: 'Gold', validUntil: '2027-11-30' })
      .expect(200);
    expect(active.body.membership).toEqual({ plan: 'Gold', status: 'active', validUntil: '2027-11-30' });
    await t.http.put(`/v1/members/${m.id}/membership`).set(staff).send({ status: 'paused' }).expect(200);
    await t.http.put(`/v1/members/${m.id}/membership`).set(staff).send({ status: 'cancelled' }).expect(200);
    const bad = await t.http
      .put(`/v1/members/${m.id}/membership`)
      .set(staff)
      .send({ status: 'paused' })
      .expect(409);
    expect(bad.body).toMatchObject({
      type: '/problems/invalid-membership-transition',
      from: 'cancelled',
      to: 'paused',
    });
  });

  it('soft-deletes: the member disappears, the email is free again', async () => {
    const m = await createMember(t, { email: 'leaving@example.test' });
    await t.http.delete(`/v1/members/${m.id}`).set(staff).expect(204);
    await t.http.get(`/v1/members/${m.id}`).set(staff).expect(404);
    await t.http.delete(`/v1/members/${m.id}`).set(staff).expect(404);
    await t.http
      .post('/v1/members')
      .set(staff)
      .send({
        firstName: 'Back',
        lastName: 'Again',
        dateOfBirth: '1990-01-01',
        email: 'leaving@example.test',
      })
      .expect(201);
  });

  it('lets a member user add a dependant under themself but not see other members', async () => {
    const me = await createMember(t);
    const other = await createMember(t);
    const auth = (await createUser(t, { role: 'member', memberId: me.id })).authHeader;
    const kid = await t.http
      .post('/v1/members')
      .set(auth)
      .send({ firstName: 'Mini', lastName: 'Me', dateOfBirth: '2019-09-09' })
      .expect(201);
    expect(kid.body.guardianId).toBe(me.id);
    await t.http.get(`/v1/members/${kid.body.id}`).set(auth).expect(200);
    await t.http
      .post(`/v1/members/${kid.body.id}/waivers`)
      .set(auth)
      .send({ signedByMemberId: me.id })
      .expect(201);
    await t.http.get(`/v1/members/${other.id}`).set(auth).expect(404);
    const res = await t.http
      .patch(`/v1/members/${other.id}`)
      .set(auth)
      .send({ lastName: 'Mine' })
      .expect(404);
    expect(res.body.type).toBe('/problems/member-not-found');
    const untouched = await t.http.get(`/v1/members/${other.id}`).set(staff).expect(200);
    expect(untouched.body.version).toBe(other.version);
  });
});
