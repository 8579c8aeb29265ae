import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAeroClient, IDEMPOTENCY_KEY_HEADER, pages } from '@aero/client';
import type { AeroClient } from '@aero/client';
import type { TestApp } from '@aero/testing';
import { createApiKey, createMember, createSession, createTestApp, createVenue, OpenApiValidator } from '@aero/testing';

const HOUR = 3600_000;

// Booting the app and hashing a password take a while on a loaded CI machine.
jest.setTimeout(30_000);

interface Seen {
  method: string;
  path: string;
  idempotencyKey?: string;
  forwarded: boolean;
}

/**
 * A tiny reverse proxy in front of the listening API. `faults` decides, per request, whether to answer
 * 503 + Retry-After itself or drop the connection, before the API sees anything; every response that
 * does come from the API is checked against openapi.json on the way back.
 */
function startProxy(target: number, faults: (seen: Seen) => 'unavailable' | 'reset' | undefined) {
  const seen: Seen[] = [];
  const contractProblems: string[] = [];
  const validator = OpenApiValidator.fromRepo();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const entry: Seen = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      idempotencyKey: req.headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()] as string | undefined,
      forwarded: false,
    };
    seen.push(entry);
    const fault = faults(entry);
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault === 'unavailable') {
      res.writeHead(503, { 'Content-Type': 'application/problem+json', 'Retry-After': '1' });
      res.end(JSON.stringify({ type: '/problems/service-unavailable', status: 503, title: 'Service temporarily unavailable' }));
      return;
    }
    entry.forwarded = true;
    const upstream = httpRequest(
      { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const type = answer.headers['content-type'];
          const body = raw && type?.includes('json') ? (JSON.parse(raw) as unknown) : raw;
          const headers = answer.headers as Record<string, unknown>;
          contractProblems.push(...validator.check(entry.method, entry.path, answer.statusCode ?? 0, type, body, headers));
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(raw);
        });
      },
    );
    req.pipe(upstream);
  });
  return new Promise<{ url: string; seen: Seen[]; contractProblems: string[]; close: () => Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        seen,
        contractProblems,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

describe('the typed client SDK against the running API (e2e)', () => {
  let t: TestApp;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let client: AeroClient;
  const waits: number[] = [];
  const faultsLeft = { unavailableOnBooking: 1, resetOnBookingRead: 1 };

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    proxy = await startProxy(port, (seen) => {
      if (seen.method === 'POST' && seen.path === '/v1/bookings' && faultsLeft.unavailableOnBooking > 0) {
        faultsLeft.unavailableOnBooking--;
        return 'unavailable';
      }
      if (seen.method === 'GET' && /^\/v1\/bookings\/[0-9a-f-]{36}$/.test(seen.path) && faultsLeft.resetOnBookingRead > 0) {
        faultsLeft.resetOnBookingRead--;
        return 'reset';
      }
      return undefined;
    });
    const key = await createApiKey(t, {
      app: 'kiosk',
      scopes: ['members:read', 'bookings:read', 'bookings:write', 'venues:read'],
    });
    client = createAeroClient({
      baseUrl: proxy.url,
      apiKey: key.key,
      retry: { deadlineMs: 20_000, baseDelayMs: 50 },
      // Waits are recorded and shortened: the test checks what the client asked for, not the clock.
      runtime: {
        sleep: (ms) => {
          waits.push(ms);
          return new Promise((resolve) => setTimeout(resolve, 10));
        },
      },
    });
  });

  afterAll(async () => {
    await proxy?.close();
    await t?.close();
  });

  it('books through holds, pages availability and bookings, and retries a 503 without booking twice', async () => {
    const venue = await createVenue(t, { name: 'SDK Park' });
    await createSession(t, { venueId: venue.id, startsAt: new Date(Date.now() - 3 * HOUR), activity: 'Over already' });
    const first = await createSession(t, { venueId: venue.id, capacity: 6, startsAt: new Date(Date.now() + 24 * HOUR), activity: 'Morning' });
    const second = await createSession(t, { venueId: venue.id, capacity: 6, startsAt: new Date(Date.now() + 26 * HOUR), activity: 'Noon' });
    const member = await createMember(t, { waiver: true });

    // Availability, one session per page, leaving out the one that has ended.
    const bookable: string[] = [];
    for await (const page of pages((cursor) =>
      client.GET('/v1/sessions', {
        params: {
          query: {
            venueId: venue.id,
            from: new Date(Date.now() - 12 * HOUR).toISOString(),
            to: new Date(Date.now() + 48 * HOUR).toISOString(),
            bookableOnly: true,
            limit: 1,
            cursor,
          },
        },
      }),
    )) {
      bookable.push(...page.filter((s) => s.bookable).map((s) => s.id));
    }
    expect(bookable).toEqual([first.id, second.id]);

    const hold = await client.POST('/v1/holds', { body: { sessionId: first.id, quantity: 2 } });
    expect(hold.response.status).toBe(201);
    // The first attempt of this booking gets 503 + Retry-After from the proxy; the SDK waits and retries.
    const booked = await client.POST('/v1/bookings', {
      body: { sessionId: first.id, memberId: member.id, quantity: 2, holdId: hold.data?.id },
    });
    expect(booked.response.status).toBe(201);
    expect(booked.response.headers.get('location')).toBe(`/v1/bookings/${booked.data?.id}`);
    const again = await client.POST('/v1/bookings', { body: { sessionId: second.id, memberId: member.id, quantity: 1 } });
    expect(again.response.status).toBe(201);

    const attempts = proxy.seen.filter((s) => s.method === 'POST' && s.path === '/v1/bookings');
    expect(attempts.map((a) => a.forwarded)).toEqual([false, true, true]);
    // One key per write, reused by its retry; a new write gets a new key.
    expect(attempts[0].idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(attempts[1].idempotencyKey).toBe(attempts[0].idempotencyKey);
    expect(attempts[2].idempotencyKey).not.toBe(attempts[0].idempotencyKey);
    expect(waits[0]).toBeGreaterThanOrEqual(1000);

    // Reading the booking survives a dropped connection.
    const read = await client.GET('/v1/bookings/{id}', { params: { path: { id: booked.data?.id ?? '' } } });
    expect(read.data).toMatchObject({ id: booked.data?.id, quantity: 2, status: 'confirmed' });
    expect(proxy.seen.filter((s) => s.path === `/v1/bookings/${booked.data?.id}`).map((s) => s.forwarded)).toEqual([false, true]);

    // No double booking: the member has exactly the two bookings, and the session two places taken.
    const bookings: { sessionId: string; quantity: number }[] = [];
    for await (const page of pages((cursor) =>
      client.GET('/v1/bookings', { params: { query: { memberId: member.id, limit: 1, cursor } } }),
    )) {
      bookings.push(...page);
    }
    expect(bookings.map((b) => [b.sessionId, b.quantity]).sort()).toEqual([[first.id, 2], [second.id, 1]].sort());
    const session = await client.GET('/v1/sessions/{id}', { params: { path: { id: first.id } } });
    expect(session.data).toMatchObject({ booked: 2, held: 0, remaining: 4 });

    expect(proxy.contractProblems).toEqual([]);
  });

  it('returns the problem of a refused write without retrying it', async () => {
    const before = proxy.seen.length;
    const refused = await client.POST('/v1/bookings', {
      body: { sessionId: '00000000-0000-4000-8000-000000000000', memberId: '00000000-0000-4000-8000-000000000000', quantity: 1 },
    });
    expect(refused.response.status).toBe(404);
    expect(refused.error).toMatchObject({ status: 404, requestId: expect.any(String) });
    expect(proxy.seen.length - before).toBe(1);
  });
});
