#!/usr/bin/env node
// The smoke suite of a release, as plain HTTP calls against a running API: the booking flow, API-key auth
// and usage. Only routes and fields of the 0.2.0 contract (openapi.baseline.json), so it runs against the
// previous release as well as this one. Exits 0 when every step passes, 1 at the first that does not.
//
// Usage: node test/compat/smoke.js BASE_URL   with SMOKE_ADMIN_KEY (scope admin), SMOKE_STAFF_EMAIL and
// SMOKE_STAFF_PASSWORD (a staff user) in the environment.
'use strict';
const { randomUUID } = require('node:crypto');

const base = (process.argv[2] ?? '').replace(/\/$/, '');
const adminKey = process.env.SMOKE_ADMIN_KEY;
const staff = { email: process.env.SMOKE_STAFF_EMAIL, password: process.env.SMOKE_STAFF_PASSWORD };
if (!base || !adminKey || !staff.email || !staff.password) {
  process.stderr.write('usage: SMOKE_ADMIN_KEY=… SMOKE_STAFF_EMAIL=… SMOKE_STAFF_PASSWORD=… node test/compat/smoke.js BASE_URL\n');
  process.exit(2);
}

let steps = 0;
async function call(method, path, { headers = {}, body, expect }) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!expect.includes(res.status)) {
    throw new Error(`${method} ${path}: expected ${expect.join(' or ')}, got ${res.status}: ${text.slice(0, 400)}`);
  }
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

async function step(name, fn) {
  steps++;
  try {
    const result = await fn();
    process.stdout.write(`ok ${steps} - ${name}\n`);
    return result;
  } catch (error) {
    process.stdout.write(`not ok ${steps} - ${name}\n  ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

async function main() {
  const admin = { 'x-api-key': adminKey };
  await step('ready', () => call('GET', '/health/ready', { expect: [200] }));
  await step('an unknown API key is refused with 401 problem+json', async () => {
    const res = await call('GET', '/v1/venues', { headers: { 'x-api-key': 'ak_not_a_key' }, expect: [401] });
    if (!res.headers.get('content-type')?.startsWith('application/problem+json')) throw new Error('not problem+json');
  });
  const token = await step('staff login', async () => {
    const res = await call('POST', '/v1/auth/login', { body: staff, expect: [200] });
    if (typeof res.body.accessToken !== 'string') throw new Error('no accessToken');
    return res.body.accessToken;
  });
  const venue = await step('create a venue (API key)', async () =>
    (await call('POST', '/v1/venues', { headers: admin, body: { name: `Smoke ${randomUUID().slice(0, 8)}`, timeZone: 'America/Toronto' }, expect: [201] })).body,
  );
  const startsAt = new Date(Date.now() + 2 * 86400000);
  startsAt.setUTCMinutes(0, 0, 0);
  const session = await step('create a session', async () =>
    (
      await call('POST', '/v1/sessions', {
        headers: admin,
        body: { venueId: venue.id, activity: 'Open Jump', startsAt: startsAt.toISOString(), endsAt: new Date(startsAt.getTime() + 3600000).toISOString(), capacity: 20 },
        expect: [201],
      })
    ).body,
  );
  const member = await step('create a member (bearer token)', async () =>
    (
      await call('POST', '/v1/members', {
        headers: { authorization: `Bearer ${token}` },
        body: { firstName: 'Smoke', lastName: 'Test', dateOfBirth: '1990-04-01', email: `smoke.${randomUUID().slice(0, 8)}@example.com` },
        expect: [201],
      })
    ).body,
  );
  await step('the member signs the waiver', () => call('POST', `/v1/members/${member.id}/waivers`, { headers: admin, body: {}, expect: [201] }));
  const key = randomUUID();
  const booking = await step('book with an Idempotency-Key', async () =>
    (await call('POST', '/v1/bookings', { headers: { ...admin, 'idempotency-key': key }, body: { sessionId: session.id, memberId: member.id, quantity: 2 }, expect: [201] })).body,
  );
  await step('a retry with the same key replays the booking, not a second one', async () => {
    const res = await call('POST', '/v1/bookings', { headers: { ...admin, 'idempotency-key': key }, body: { sessionId: session.id, memberId: member.id, quantity: 2 }, expect: [201] });
    if (res.body.id !== booking.id) throw new Error(`a second booking ${res.body.id} instead of a replay of ${booking.id}`);
  });
  await step('read the booking back', async () => {
    const res = await call('GET', `/v1/bookings/${booking.id}`, { headers: admin, expect: [200] });
    if (res.body.quantity !== 2 || res.body.memberId !== member.id) throw new Error(`unexpected booking ${JSON.stringify(res.body)}`);
  });
  await step('cancel it', () => call('POST', `/v1/bookings/${booking.id}/cancel`, { headers: { ...admin, 'idempotency-key': randomUUID() }, body: {}, expect: [200] }));
  await step('the summary counts the requests of this run (usage is recorded and readable)', async () => {
    // Usage is flushed about every second: poll, bounded.
    const deadline = Date.now() + 15000;
    for (;;) {
      const res = await call('GET', '/v1/usage/summary', { headers: admin, expect: [200] });
      const requests = res.body.totals?.requests ?? 0;
      if (requests >= 8) return;
      if (Date.now() > deadline) throw new Error(`usage shows ${requests} request(s), expected at least 8`);
      await new Promise((r) => setTimeout(r, 250));
    }
  });
  process.stdout.write(`1..${steps}\n`);
}

main().catch((error) => {
  process.stdout.write(`not ok - ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
