import { once } from 'node:events';
import type { Socket } from 'node:net';
import { connect } from 'node:net';
import type { TestApp } from '@aero/testing';
import { adminAuth, createMember, createTestApp, createUser, createVenue } from '@aero/testing';

interface FieldError {
  field: string;
  message: string;
}

const fieldsOf = (body: { errors?: FieldError[] }): string[] => (body.errors ?? []).map((e) => e.field);

/** Reads one HTTP/1.1 response (with a Content-Length) off a raw socket. */
function nextResponse(socket: Socket): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      const headers = received.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(headers)?.[1] ?? 0);
      if (received.length < end + 4 + length) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve({ status: Number(headers.split(' ')[1]), headers, body: received.subarray(end + 4, end + 4 + length).toString('utf8') });
    };
    const onClose = () => reject(new Error(`the connection closed after ${received.length} bytes`));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/**
 * The hostile inputs an independent tester found (issue 10): each one used to reach the database or the
 * validator's recursion and end in a 500 or a silently wrong result; each is now a 400 naming the field.
 */
describe('hostile input is refused as a 400 naming the field (e2e)', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let venueId: string;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await adminAuth(t);
    venueId = (await createVenue(t)).id;
  });
  afterAll(async () => {
    await t.close();
  });

  const postRaw = (url: string, body: string, headers: Record<string, string> = {}) =>
    t.http.post(url).set(headers).set('Content-Type', 'application/json').send(body);

  describe('deeply nested or huge JSON', () => {
    it('answers 45,000 nested arrays (90 kB) to POST /v1/auth/login with 400 json-too-complex naming the depth limit', async () => {
      const body = '['.repeat(45_000) + ']'.repeat(45_000);
      const res = await postRaw('/v1/auth/login', body).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ type: '/problems/json-too-complex', maxDepth: 32 });
      expect(res.body.detail).toMatch(/32/);
    });

    it('answers a nested body at the chunk that breaks the limit, before the rest is sent, and keeps the connection', async () => {
      // The same app on a socket of its own, spoken to byte by byte: the answer must not wait for the body.
      const socket = connect(await t.port(), '127.0.0.1');
      try {
        await once(socket, 'connect');
        const body = '['.repeat(45_000) + ']'.repeat(45_000);
        const head = `POST /v1/auth/login HTTP/1.1\r\nHost: api.test\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
        const answered = nextResponse(socket);
        socket.write(head + body.slice(0, 64));
        const refused = await answered;
        expect(refused.status).toBe(400);
        expect(JSON.parse(refused.body)).toMatchObject({ type: '/problems/json-too-complex', maxDepth: 32 });
        // The rest of the declared body is read and dropped; then the connection carries the next request.
        const next = nextResponse(socket);
        socket.write(body.slice(64));
        socket.write('GET /health/live HTTP/1.1\r\nHost: api.test\r\n\r\n');
        expect((await next).status).toBe(200);
      } finally {
        socket.destroy();
      }
    });

    it('refuses a body with more elements than the limit, and counts nothing inside strings', async () => {
      const many = `{"email":"a@b.c","password":"x","pad":[${'0,'.repeat(10_000)}0]}`;
      const res = await postRaw('/v1/auth/login', many).expect(400);
      expect(res.body).toMatchObject({ type: '/problems/json-too-complex', maxElements: 10_000 });
      // Brackets and commas inside a string are text, not structure.
      const quoted = JSON.stringify({ email: `${'[{,'.repeat(20_000)}@example.test`, password: 'x' });
      const ok = await postRaw('/v1/auth/login', quoted).expect(400);
      expect(ok.body.type).toBe('/problems/validation-failed');
      expect(fieldsOf(ok.body)).toEqual(['email']);
    });

    it('takes limits from the configuration', async () => {
      const strict = await createTestApp({ env: { HTTP_JSON_MAX_DEPTH: '3' } });
      try {
        const res = await strict.http
          .post('/v1/auth/login')
          .set('Content-Type', 'application/json')
          .send('{"email":[[["x"]]],"password":"x"}')
          .expect(400);
        expect(res.body).toMatchObject({ type: '/problems/json-too-complex', maxDepth: 3 });
      } finally {
        await strict.close();
      }
    });
  });

  describe('strings the database cannot store', () => {
    it('refuses a NUL character in a body field', async () => {
      const res = await t.http
        .post('/v1/members')
        .set(admin)
        .send({ firstName: 'Ma\u0000ya', lastName: 'Singh', dateOfBirth: '1990-01-01' })
        .expect(400);
      expect(res.body.errors).toEqual([{ field: 'firstName', message: 'must not contain NUL characters' }]);
    });

    it('refuses a NUL character in a query parameter', async () => {
      const res = await t.http.get('/v1/members?search=ma%00ya').set(admin).expect(400);
      expect(fieldsOf(res.body)).toEqual(['search']);
    });

    it('refuses a lone UTF-16 surrogate in an email, when creating a member and when signing in', async () => {
      const member = await postRaw(
        '/v1/members',
        '{"firstName":"Maya","lastName":"Singh","dateOfBirth":"1990-01-01","email":"maya\\ud800@example.com"}',
        admin,
      ).expect(400);
      expect(member.body.errors).toEqual([{ field: 'email', message: 'must be well-formed Unicode (no lone surrogates)' }]);
      const login = await postRaw('/v1/auth/login', '{"email":"x\\udc00@example.com","password":"secret"}').expect(400);
      expect(fieldsOf(login.body)).toEqual(['email']);
    });

    it('refuses a phone number longer than its column (a leading + made it 33 characters)', async () => {
      const res = await t.http
        .post('/v1/members')
        .set(admin)
        .send({ firstName: 'Long', lastName: 'Phone', dateOfBirth: '1990-01-01', phone: `+${'1'.repeat(32)}` })
        .expect(400);
      expect(fieldsOf(res.body)).toEqual(['phone']);
    });

    it('keeps well-formed Unicode, astral characters included', async () => {
      const res = await t.http
        .post('/v1/members')
        .set(admin)
        .send({ firstName: 'Zoë 🦘', lastName: '李', dateOfBirth: '1990-01-01' })
        .expect(201);
      expect(res.body).toMatchObject({ firstName: 'Zoë 🦘', lastName: '李' });
    });
  });

  describe('bytes that are not UTF-8 (issue 17)', () => {
    const latin1Member = (lastName: string) =>
      Buffer.concat([Buffer.from(`{"firstName":"Caf`), Buffer.from([0xe9]), Buffer.from(`","lastName":"${lastName}","dateOfBirth":"1990-01-01"}`)]);
    /** The bytes as they are: superagent would serialise a Buffer as JSON. */
    const postBytes = (url: string, bytes: Buffer, contentType = 'application/json') =>
      t.http.post(url).set(admin).set('Content-Type', contentType).serialize(() => bytes as unknown as string).send(bytes as unknown as string);
    const membersNamed = async (lastName: string) =>
      (await t.http.get(`/v1/members?search=${lastName}`).set(admin).expect(200)).body.data as { firstName: string }[];

    it('refuses a body with a Latin-1 byte (Caf\\xe9) with 400 invalid-encoding naming the offset, and stores nothing', async () => {
      const res = await postBytes('/v1/members', latin1Member('Latinone')).expect(400);
      expect(res.body).toMatchObject({ type: '/problems/invalid-encoding', offset: 17, errors: [{ field: 'body', message: 'is not valid UTF-8 (byte 17)' }] });
      expect(res.body.detail).toMatch(/offset 17/);
      expect(await membersNamed('Latinone')).toEqual([]);
    });

    it('refuses a body that ends inside a character, and one with a surrogate encoded in UTF-8', async () => {
      const cut = Buffer.concat([Buffer.from('{"firstName":"Kanga'), Buffer.from('🦘', 'utf8').subarray(0, 3)]);
      const truncated = await postBytes('/v1/members', cut).expect(400);
      expect(truncated.body).toMatchObject({ type: '/problems/invalid-encoding', offset: 19 });
      const surrogate = Buffer.concat([Buffer.from('{"firstName":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('","lastName":"Surrogate","dateOfBirth":"1990-01-01"}')]);
      await postBytes('/v1/members', surrogate).expect(400);
      expect(await membersNamed('Surrogate')).toEqual([]);
    });

    it('stores a character exactly when its bytes arrive in two TCP segments', async () => {
      const body = Buffer.from(JSON.stringify({ firstName: 'Zoë', lastName: 'Segmented', dateOfBirth: '1990-01-01' }), 'utf8');
      const split = body.indexOf(0xc3) + 1; // between the two bytes of ë
      const socket = connect(await t.port(), '127.0.0.1');
      socket.setNoDelay(true);
      let res: { status: number; body: string };
      try {
        await once(socket, 'connect');
        const headers = Object.entries(admin).map(([name, value]) => `${name}: ${value}\r\n`).join('');
        socket.write(`POST /v1/members HTTP/1.1\r\nHost: api.test\r\n${headers}Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
        const answer = nextResponse(socket);
        socket.write(body.subarray(0, split));
        socket.write(body.subarray(split));
        res = await answer;
      } finally {
        socket.destroy();
      }
      expect(res.status).toBe(201);
      expect(JSON.parse(res.body)).toMatchObject({ firstName: 'Zoë', lastName: 'Segmented' });
    });

    it('refuses a query parameter whose percent-encoding is not UTF-8 (?search=%E9) instead of searching for U+FFFD', async () => {
      const res = await t.http.get('/v1/members?limit=5&search=Caf%E9').set(admin).expect(400);
      expect(res.body).toMatchObject({ type: '/problems/invalid-encoding', errors: [{ field: 'search', message: 'is not valid percent-encoded UTF-8' }] });
      const bare = await t.http.get('/v1/sessions?from=50%').set(admin).expect(400);
      expect(fieldsOf(bare.body)).toEqual(['from']);
      // The same text in UTF-8 is searched as usual.
      await t.http.get('/v1/members?search=Caf%C3%A9').set(admin).expect(200);
    });

    it('refuses a path segment whose percent-encoding is not UTF-8', async () => {
      const res = await t.http.get('/v1/members/%E9').set(admin).expect(400);
      expect(res.body).toMatchObject({ type: '/problems/invalid-encoding', errors: [{ field: 'path', message: 'is not valid percent-encoded UTF-8' }] });
    });

    it('answers a charset other than UTF-8 with 415, and stores nothing', async () => {
      const res = await postBytes('/v1/members', latin1Member('Windows'), 'application/json; charset=windows-1252').expect(415);
      expect(res.body).toMatchObject({ type: '/problems/unsupported-media-type', detail: expect.stringMatching(/UTF-8/) });
      expect(await membersNamed('Windows')).toEqual([]);
    });
  });

  describe('null only where the field is nullable', () => {
    it('answers null for a required column in PATCH /v1/members/{id} with 400, and clears a nullable one', async () => {
      const member = await createMember(t, { phone: '+1 416-555-0100' });
      const bad = await t.http.patch(`/v1/members/${member.id}`).set(admin).send({ firstName: null }).expect(400);
      expect(bad.body.errors).toEqual([{ field: 'firstName', message: 'must not be null' }]);
      const cleared = await t.http.patch(`/v1/members/${member.id}`).set(admin).send({ phone: null }).expect(200);
      expect(cleared.body).toMatchObject({ phone: null, firstName: member.firstName });
    });

    it('answers null in PATCH /v1/venues/{id} and PATCH /v1/sessions/{id} with 400', async () => {
      const venue = await t.http.patch(`/v1/venues/${venueId}`).set(admin).send({ name: null, active: null }).expect(400);
      expect(fieldsOf(venue.body).sort()).toEqual(['active', 'name']);
      const session = await t.http
        .post('/v1/sessions')
        .set(admin)
        .send({ venueId, activity: 'Nulls', startsAt: '2027-01-10T10:00:00Z', endsAt: '2027-01-10T11:00:00Z', capacity: 5 })
        .expect(201);
      const res = await t.http.patch(`/v1/sessions/${session.body.id}`).set(admin).send({ capacity: null }).expect(400);
      expect(fieldsOf(res.body)).toEqual(['capacity']);
    });
  });

  describe('dates that are real calendar dates in 2000–2100', () => {
    it('refuses the year 9999 and the year 0001', async () => {
      const session = await t.http
        .post('/v1/sessions')
        .set(admin)
        .send({ venueId, activity: 'Far', startsAt: '9999-12-31T10:00:00Z', endsAt: '9999-12-31T11:00:00Z', capacity: 5 })
        .expect(400);
      expect(fieldsOf(session.body).sort()).toEqual(['endsAt', 'startsAt']);
      const key = await t.http
        .post('/v1/api-keys')
        .set(admin)
        .send({ name: 'far', app: 'kiosk', scopes: ['members:read'], expiresAt: '9999-12-31T00:00:00Z' })
        .expect(400);
      expect(fieldsOf(key.body)).toEqual(['expiresAt']);
      const member = await createMember(t);
      const membership = await t.http
        .put(`/v1/members/${member.id}/membership`)
        .set(admin)
        .send({ status: 'active', plan: 'Forever', validUntil: '9999-12-31' })
        .expect(400);
      expect(fieldsOf(membership.body)).toEqual(['validUntil']);
      const born = await t.http
        .post('/v1/members')
        .set(admin)
        .send({ firstName: 'Old', lastName: 'Timer', dateOfBirth: '0001-01-01' })
        .expect(400);
      expect(fieldsOf(born.body)).toEqual(['dateOfBirth']);
    });

    it('answers GET /v1/sessions?from=2027-02-30 with 400 naming from, instead of rolling over to 2 March', async () => {
      const res = await t.http.get(`/v1/sessions?venueId=${venueId}&from=2027-02-30`).set(admin).expect(400);
      expect(fieldsOf(res.body)).toEqual(['from']);
      await t.http.get(`/v1/sessions?venueId=${venueId}&from=2028-02-29`).set(admin).expect(200);
      const instant = await t.http
        .get(`/v1/sessions?venueId=${venueId}&from=2027-02-29T10:00:00Z`)
        .set(admin)
        .expect(400);
      expect(fieldsOf(instant.body)).toEqual(['from']);
    });

    it('refuses impossible times of day and offsets in instants', async () => {
      for (const startsAt of ['2027-01-10T24:00:00Z', '2027-01-10T10:60:00Z', '2027-01-10T10:00:00+24:00', '2027-13-01T10:00:00Z']) {
        const res = await t.http
          .post('/v1/sessions')
          .set(admin)
          .send({ venueId, activity: 'Odd', startsAt, endsAt: '2027-01-11T11:00:00Z', capacity: 5 })
          .expect(400);
        expect(fieldsOf(res.body)).toEqual(['startsAt']);
      }
    });
  });

  describe('prototype-named fields are refused like any unknown field', () => {
    it.each(['__proto__', 'constructor', 'prototype'])('refuses a body field named %s', async (name) => {
      const res = await postRaw(
        '/v1/venues',
        `{"name":"Proto Park","timeZone":"America/Toronto","${name}":{"active":false}}`,
        admin,
      ).expect(400);
      expect(res.body.errors).toEqual([{ field: name, message: 'is not an allowed field' }]);
    });

    it('refuses a nested __proto__ and a prototype-named query parameter', async () => {
      const nested = await postRaw(
        '/v1/users',
        `{"email":"proto@example.test","password":"a-long-passphrase-1","roles":["staff"],"venueIds":[{"__proto__":{}}]}`,
        admin,
      ).expect(400);
      expect(fieldsOf(nested.body)).toContain('venueIds[0].__proto__');
      const query = await t.http.get('/v1/members?__proto__=x').set(admin).expect(400);
      expect(query.body.errors).toEqual([{ field: '__proto__', message: 'is not an allowed field' }]);
    });
  });

  describe('Cache-Control', () => {
    it('marks tokens and personal data no-store', async () => {
      const user = await createUser(t, { role: 'staff' });
      const login = await t.http.post('/v1/auth/login').send({ email: user.email, password: user.password }).expect(200);
      expect(login.headers['cache-control']).toBe('no-store');
      const member = await createMember(t);
      const read = await t.http.get(`/v1/members/${member.id}`).set(admin).expect(200);
      expect(read.headers['cache-control']).toBe('no-store');
      const problem = await t.http.get('/v1/members/not-a-uuid').set(admin).expect(400);
      expect(problem.headers['cache-control']).toBe('no-store');
    });
  });
});
