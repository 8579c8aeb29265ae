import { TransactionService } from '@aero/core';
import type { EventResponseDto } from '@aero/events';
import { EventsService } from '@aero/events';
import type { CreatedUser, TestApp } from '@aero/testing';
import { createApiKey, createMember, createSession, createTestApp, createUser, createVenue, moveDateForward } from '@aero/testing';

// Every state change emits its event with the resource as its GET returns it; the feed shows events in
// commit order to whoever may see them. Runs on SQLite and, with DB_TYPE=postgres or mssql, on a server.
jest.setTimeout(60_000);

interface FeedPage {
  data: EventResponseDto[];
  nextCursor: string;
  hasMore: boolean;
}

describe('events: emitted with their change, and the feed (e2e)', () => {
  let t: TestApp;
  let admin: CreatedUser;
  let auth: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await createUser(t, { role: 'admin' });
    auth = admin.authHeader;
  });
  afterAll(async () => {
    jest.useRealTimers();
    await t.close();
  });

  async function page(headers: Record<string, string>, query: Record<string, string> = {}): Promise<FeedPage> {
    const res = await t.http.get('/v1/events').query(query).set(headers).expect(200);
    return res.body as FeedPage;
  }

  /** Every event after `after` (all when omitted), following nextCursor until hasMore is false. */
  async function drain(headers: Record<string, string>, query: Record<string, string> = {}, after?: string) {
    const events: EventResponseDto[] = [];
    let cursor = after;
    for (let pages = 0; pages < 1000; pages++) {
      const p = await page(headers, { ...query, limit: '100', ...(cursor ? { after: cursor } : {}) });
      events.push(...p.data);
      cursor = p.nextCursor;
      if (!p.hasMore) return { events, cursor };
    }
    throw new Error('feed did not end');
  }

  /** The newest event of `type` about resource `id`. */
  async function lastEvent(type: string, id: string): Promise<EventResponseDto> {
    const { events } = await drain(auth, { types: type });
    const found = events.filter((e) => (e.data as { id?: string }).id === id);
    expect(found.length).toBeGreaterThan(0);
    return found[found.length - 1];
  }

  async function countOf(type: string, id: string): Promise<number> {
    const { events } = await drain(auth, { types: type });
    return events.filter((e) => (e.data as { id?: string }).id === id).length;
  }

  const byAdmin = () => ({ kind: 'user', id: admin.id });

  it('emits venue.updated and session.created/updated/cancelled with the resource as GET returns it', async () => {
    const venue = await createVenue(t);
    await t.http.patch(`/v1/venues/${venue.id}`).set(auth).send({ name: `Renamed ${venue.id}` }).expect(200);
    const venueGet = (await t.http.get(`/v1/venues/${venue.id}`).set(auth).expect(200)).body;
    const venueEvent = await lastEvent('venue.updated', venue.id);
    expect(venueEvent).toMatchObject({ type: 'venue.updated', venueId: venue.id, actor: byAdmin(), data: venueGet });
    expect(venueEvent.id).toMatch(/^evt_[A-Za-z0-9_-]{22}$/);

    const startsAt = new Date(Date.now() + 48 * 3600_000);
    const created = await t.http
      .post('/v1/sessions')
      .set(auth)
      .send({
        venueId: venue.id,
        activity: 'Dodgeball',
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 3600_000).toISOString(),
        capacity: 12,
      })
      .expect(201);
    const sessionId = created.body.id as string;
    let get = (await t.http.get(`/v1/sessions/${sessionId}`).set(auth).expect(200)).body;
    expect((await lastEvent('session.created', sessionId)).data).toEqual(get);

    await t.http.patch(`/v1/sessions/${sessionId}`).set(auth).send({ capacity: 20 }).expect(200);
    get = (await t.http.get(`/v1/sessions/${sessionId}`).set(auth).expect(200)).body;
    expect(await lastEvent('session.updated', sessionId)).toMatchObject({ venueId: venue.id, data: get });
    expect(get.capacity).toBe(20);

    await t.http.patch(`/v1/sessions/${sessionId}`).set(auth).send({ status: 'cancelled' }).expect(200);
    get = (await t.http.get(`/v1/sessions/${sessionId}`).set(auth).expect(200)).body;
    expect((await lastEvent('session.cancelled', sessionId)).data).toEqual(get);
    expect(await countOf('session.updated', sessionId)).toBe(1);
  });

  it('emits member.created/updated, waiver.signed and membership.changed with the member as GET returns it', async () => {
    const venue = await createVenue(t);
    const res = await t.http
      .post('/v1/members')
      .set(auth)
      .send({ firstName: 'Ada', lastName: 'Events', dateOfBirth: '1990-02-03', homeVenueId: venue.id })
      .expect(201);
    const id = res.body.id as string;
    let get = (await t.http.get(`/v1/members/${id}`).set(auth).expect(200)).body;
    expect(await lastEvent('member.created', id)).toMatchObject({ venueId: venue.id, actor: byAdmin(), data: get });

    await t.http.patch(`/v1/members/${id}`).set(auth).send({ phone: '+15145550123' }).expect(200);
    get = (await t.http.get(`/v1/members/${id}`).set(auth).expect(200)).body;
    expect((await lastEvent('member.updated', id)).data).toEqual(get);

    const waiver = (await t.http.post(`/v1/members/${id}/waivers`).set(auth).send({}).expect(201)).body;
    expect(await lastEvent('waiver.signed', waiver.id)).toMatchObject({ venueId: venue.id, data: waiver });

    await t.http.put(`/v1/members/${id}/membership`).set(auth).send({ status: 'active', plan: 'Unlimited' }).expect(200);
    get = (await t.http.get(`/v1/members/${id}`).set(auth).expect(200)).body;
    expect((await lastEvent('membership.changed', id)).data).toEqual(get);
    expect(get.membership).toMatchObject({ status: 'active', plan: 'Unlimited' });
  });

  it('emits booking.created, booking.checked_in and booking.cancelled with the booking as GET returns it', async () => {
    const session = await createSession(t, { startsAt: new Date(Date.now() + 30 * 60_000) });
    const member = await createMember(t, { waiver: true });
    const book = async () =>
      (await t.http.post('/v1/bookings').set(auth).send({ sessionId: session.id, memberId: member.id, quantity: 1 }).expect(201))
        .body.id as string;
    const first = await book();
    let get = (await t.http.get(`/v1/bookings/${first}`).set(auth).expect(200)).body;
    expect(await lastEvent('booking.created', first)).toMatchObject({ venueId: session.venueId, actor: byAdmin(), data: get });

    await t.http.post(`/v1/bookings/${first}/check-in`).set(auth).expect(200);
    get = (await t.http.get(`/v1/bookings/${first}`).set(auth).expect(200)).body;
    expect((await lastEvent('booking.checked_in', first)).data).toEqual(get);
    await t.http.post(`/v1/bookings/${first}/check-in`).set(auth).expect(200); // harmless twice: no new event
    expect(await countOf('booking.checked_in', first)).toBe(1);

    const second = await book();
    await t.http.post(`/v1/bookings/${second}/cancel`).set(auth).expect(200);
    get = (await t.http.get(`/v1/bookings/${second}`).set(auth).expect(200)).body;
    expect((await lastEvent('booking.cancelled', second)).data).toEqual(get);
    await t.http.post(`/v1/bookings/${second}/cancel`).set(auth).expect(200);
    expect(await countOf('booking.cancelled', second)).toBe(1);
  });

  it('emits api_key.created/rotated/revoked and user.disabled for admins, never with a secret', async () => {
    const created = (await t.http.post('/v1/api-keys').set(auth).send({ name: 'POS', app: 'pos', scopes: ['events:read'] }).expect(201)).body;
    let get = (await t.http.get(`/v1/api-keys/${created.id}`).set(auth).expect(200)).body;
    const createdEvent = await lastEvent('api_key.created', created.id);
    expect(createdEvent).toMatchObject({ venueId: null, actor: byAdmin(), data: get });
    expect(createdEvent.data).not.toHaveProperty('key');

    const rotated = (await t.http.post(`/v1/api-keys/${created.id}/rotate`).set(auth).send({ gracePeriodSeconds: 60 }).expect(201)).body;
    get = (await t.http.get(`/v1/api-keys/${created.id}`).set(auth).expect(200)).body;
    expect((await lastEvent('api_key.rotated', created.id)).data).toEqual(get);
    expect(get.replacedById).toBe(rotated.id);

    await t.http.delete(`/v1/api-keys/${rotated.id}`).set(auth).expect(204);
    get = (await t.http.get(`/v1/api-keys/${rotated.id}`).set(auth).expect(200)).body;
    expect((await lastEvent('api_key.revoked', rotated.id)).data).toEqual(get);

    const staff = await createUser(t, { role: 'staff' });
    await t.http.patch(`/v1/users/${staff.id}`).set(auth).send({ disabled: true }).expect(200);
    const userGet = (await t.http.get(`/v1/users/${staff.id}`).set(auth).expect(200)).body;
    expect((await lastEvent('user.disabled', staff.id)).data).toEqual(userGet);

    const everything = JSON.stringify((await drain(auth)).events);
    for (const secret of [created.key, rotated.key, staff.password]) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/secretHash|passwordHash|"password"/);
  });

  it('emits nothing when the change rolls back after the outbox insert', async () => {
    const session = await createSession(t, { capacity: 5 });
    const member = await createMember(t);
    const events = t.app.get(EventsService);
    const original = events.record.bind(events);
    // The seam: a failure injected right after the INSERT, inside the booking's transaction.
    const spy = jest.spyOn(events, 'record').mockImplementation(async (...args: Parameters<EventsService['record']>) => {
      await original(...args);
      throw new Error('injected failure after the outbox insert');
    });
    try {
      await t.http.post('/v1/bookings').set(auth).send({ sessionId: session.id, memberId: member.id, quantity: 2 }).expect(500);
    } finally {
      spy.mockRestore();
    }
    const { events: all } = await drain(auth, { types: 'booking.created' });
    expect(all.filter((e) => (e.data as { sessionId: string }).sessionId === session.id)).toEqual([]);
    const bookings = (await t.http.get(`/v1/bookings?sessionId=${session.id}`).set(auth).expect(200)).body;
    expect(bookings.data).toEqual([]);
    expect((await t.http.get(`/v1/sessions/${session.id}`).set(auth).expect(200)).body.remaining).toBe(5);
  });

  it('emits one booking.created for a booking whose Idempotency-Key is replayed 5 times', async () => {
    const session = await createSession(t);
    const member = await createMember(t);
    const ids = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const res = await t.http
        .post('/v1/bookings')
        .set(auth)
        .set('Idempotency-Key', `events-replay-${session.id}`)
        .send({ sessionId: session.id, memberId: member.id, quantity: 1 })
        .expect(201);
      ids.add(res.body.id as string);
    }
    expect(ids.size).toBe(1);
    expect(await countOf('booking.created', [...ids][0])).toBe(1);
  });

  it("shows a venue key only its venues' events, hides admin events from non-admins, refuses members", async () => {
    const mine = await createSession(t);
    const theirs = await createSession(t);
    const key = await createApiKey(t, { scopes: ['events:read'], venueIds: [mine.venueId] });
    const { events } = await drain(key.authHeader);
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.venueId === mine.venueId)).toBe(true);
    expect(events.map((e) => (e.data as { id: string }).id)).toContain(mine.id);

    await t.http.get('/v1/events').query({ venueId: theirs.venueId }).set(key.authHeader).expect(403);
    const platformKey = await createApiKey(t, { scopes: ['events:read'] });
    const platform = (await drain(platformKey.authHeader)).events;
    expect(platform.map((e) => (e.data as { id: string }).id)).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    expect(platform.some((e) => e.type.startsWith('api_key.') || e.type === 'user.disabled')).toBe(false);
    await t.http.get('/v1/events').query({ types: 'api_key.created' }).set(platformKey.authHeader).expect(403);

    const onlyTheirs = (await drain(platformKey.authHeader, { venueId: theirs.venueId })).events;
    expect(onlyTheirs.length).toBeGreaterThan(0);
    expect(onlyTheirs.every((e) => e.venueId === theirs.venueId)).toBe(true);

    const memberUser = await createUser(t, { role: 'member', memberId: (await createMember(t)).id });
    await t.http.get('/v1/events').set(memberUser.authHeader).expect(403);
    const noScope = await createApiKey(t, { scopes: ['bookings:read'] });
    await t.http.get('/v1/events').set(noScope.authHeader).expect(403);
  });

  it('answers 400 naming the field for an unknown type or a cursor it did not issue', async () => {
    const bad = await t.http.get('/v1/events').query({ types: 'booking.created,booking.exploded' }).set(auth).expect(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(bad.body)).toContain('types');
    const { cursor } = await drain(auth);
    const tampered = `${cursor.slice(0, -2)}${cursor.endsWith('A') ? 'B' : 'A'}A`;
    const res = await t.http.get('/v1/events').query({ after: tampered }).set(auth).expect(400);
    expect(JSON.stringify(res.body)).toMatch(/cursor|after/);
  });

  it('lets a partner offline for a day catch up from its last cursor and miss nothing', async () => {
    const partner = await createApiKey(t, { scopes: ['events:read'] });
    const { cursor: saved } = await drain(partner.authHeader);
    const venue = await createVenue(t);
    const made: string[] = [];
    for (let i = 0; i < 23; i++) made.push((await createSession(t, { venueId: venue.id })).id);
    moveDateForward(24 * 3600_000);
    try {
      const seen: string[] = [];
      let after = saved;
      for (;;) {
        const p = await page(partner.authHeader, { after, limit: '7' });
        seen.push(...p.data.map((e) => (e.data as { id: string }).id));
        after = p.nextCursor;
        if (!p.hasMore) break;
      }
      expect(seen).toEqual(made);
      // Asking again from the last cursor: nothing new, and the cursor stays put.
      const again = await page(partner.authHeader, { after });
      expect(again).toEqual({ data: [], nextCursor: after, hasMore: false });
    } finally {
      jest.useRealTimers();
    }
  });

  it("never lets a reader skip a slow transaction's event committed after a later one was read", async () => {
    const events = t.app.get(EventsService);
    const tx = t.app.get(TransactionService);
    const system = { kind: 'system' as const, id: 'test' };
    const venue = await createVenue(t);
    const { cursor: start } = await drain(auth);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const slowInserted = new Promise<void>((resolve) => (inserted = resolve));
    // The slow writer inserts first (the smaller insert position) and commits last.
    const slow = tx.run(async () => {
      const e = await events.record('venue.updated', { actor: system, data: { ...venue, name: 'slow' } });
      inserted();
      await gate;
      return e;
    });
    await slowInserted;
    const fast = tx.run(() => events.record('venue.updated', { actor: system, data: { ...venue, name: 'fast' } }));
    // SQLite has one writer: the fast one (and the feed's sequencer) queue behind the slow one, so the
    // hazard cannot arise there and the reader reads once both are done. Servers commit the fast one at once.
    const serialized = t.config.db.type === 'sqlite';
    let first: FeedPage | undefined;
    try {
      if (!serialized) {
        await fast;
        first = await page(auth, { after: start, limit: '100' });
        expect(first.data.map((e) => (e.data as { name: string }).name)).toEqual(['fast']);
      }
    } finally {
      release();
    }
    const [slowEvent, fastEvent] = await Promise.all([slow, fast]);
    first ??= await page(auth, { after: start, limit: '100' });
    const rest = await drain(auth, {}, first.nextCursor);
    const seen = [...first.data, ...rest.events].map((e) => e.id);
    expect(seen.filter((id) => id === slowEvent.id)).toHaveLength(1);
    expect(seen.filter((id) => id === fastEvent.id)).toHaveLength(1);
  });

  it('gives readers polling during concurrent bookings every committed event once, in one order', async () => {
    const key = await createApiKey(t, { scopes: ['events:read'] });
    const { cursor: start } = await drain(key.authHeader);
    const sessions = await Promise.all(Array.from({ length: 6 }, () => createSession(t, { capacity: 50 })));
    const members = await Promise.all(Array.from({ length: 4 }, () => createMember(t)));
    let writing = true;
    const poll = async (): Promise<string[]> => {
      const seen: string[] = [];
      let after = start;
      for (let polls = 0; writing && polls < 500; polls++) {
        const p = await page(key.authHeader, { after, types: 'booking.created', limit: '5' });
        seen.push(...p.data.map((e) => e.id));
        after = p.nextCursor;
      }
      const rest = await drain(key.authHeader, { types: 'booking.created' }, after);
      return [...seen, ...rest.events.map((e) => e.id)];
    };
    const readers = [poll(), poll()];
    const booked = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        t.http
          .post('/v1/bookings')
          .set(auth)
          .send({ sessionId: sessions[i % sessions.length].id, memberId: members[i % members.length].id, quantity: 1 })
          .expect(201)
          .then((res) => res.body.id as string),
      ),
    );
    writing = false;
    const [first, second] = await Promise.all(readers);
    expect(first).toHaveLength(booked.length);
    expect(new Set(first).size).toBe(booked.length);
    expect(second).toEqual(first);
    const { events } = await drain(key.authHeader, { types: 'booking.created' }, start);
    expect(events.map((e) => (e.data as { id: string }).id).sort()).toEqual([...booked].sort());
  });

  it('purges events past EVENTS_RETENTION_DAYS in batches and keeps the newer ones', async () => {
    const events = t.app.get(EventsService);
    const adminKey = await createApiKey(t, { scopes: ['admin'] }); // a user token would expire meanwhile
    const old = (await drain(adminKey.authHeader)).events.length;
    expect(old).toBeGreaterThan(7);
    moveDateForward(31 * 86_400_000);
    try {
      const recent = await createSession(t);
      // Batches of 7 rows: several statements, each batch its own short transaction.
      expect(await events.purgeExpired(new Date(), 7)).toBe(old);
      const left = (await drain(adminKey.authHeader)).events;
      expect(left.map((e) => [e.type, (e.data as { id: string }).id])).toEqual([['session.created', recent.id]]);
      expect(await events.purgeExpired()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
