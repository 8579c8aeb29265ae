import { once } from 'node:events';
import type { Socket } from 'node:net';
import { connect } from 'node:net';
import type { TestApp } from '@aero/testing';
import { adminAuth, createTestApp } from '@aero/testing';

interface RawAnswer {
  status: number;
  headers: string;
  body: string;
}

/** The first HTTP/1.1 response (with a Content-Length) off a raw socket, and when the server closed it. */
function answerAndClose(socket: Socket): { answer: Promise<RawAnswer>; closed: Promise<void> } {
  let received = Buffer.alloc(0);
  const closed = once(socket, 'close').then(() => undefined);
  const answer = new Promise<RawAnswer>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      const headers = received.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(headers)?.[1] ?? 0);
      if (received.length < end + 4 + length) return;
      socket.off('data', onData);
      resolve({ status: Number(headers.split(' ')[1]), headers, body: received.subarray(end + 4, end + 4 + length).toString('utf8') });
    };
    socket.on('data', onData);
    void closed.then(() => reject(new Error(`the connection closed after ${received.length} bytes, unanswered`)));
  });
  return { answer, closed };
}

/**
 * A client that sends its body too slowly is refused with 408 (its fault, not ours): it neither runs into
 * the handler's deadline (a 503 with Retry-After would ask it to send the same slow upload again) nor
 * counts as a server error in /metrics.
 */
describe('a body sent too slowly (e2e)', () => {
  let t: TestApp;
  let port: number;
  let admin: Record<string, string>;

  beforeAll(async () => {
    // The handler's deadline is shorter than the body-read timeout on purpose: it must not apply to the read.
    t = await createTestApp({ env: { HTTP_BODY_READ_TIMEOUT_MS: '1500', HTTP_REQUEST_TIMEOUT_MS: '500' } });
    admin = await adminAuth(t);
    port = await t.port();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers a body sent at 1 byte per second with 408 request-incomplete, closes the connection, stores nothing and counts no 503', async () => {
    const body = JSON.stringify({ firstName: 'Slow', lastName: 'Uploader', dateOfBirth: '1990-01-01' });
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    const { answer, closed } = answerAndClose(socket);
    const headers = Object.entries(admin).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    socket.write(`POST /v1/members HTTP/1.1\r\nHost: api.test\r\n${headers}Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < body.length && socket.writable) socket.write(body[sent++]);
    }, 1000);
    try {
      const res = await answer;
      expect(res.status).toBe(408);
      expect(res.headers).toMatch(/\r\ncontent-type: application\/problem\+json/i);
      expect(res.headers).toMatch(/\r\nconnection: close/i);
      expect(res.headers).not.toMatch(/\r\nretry-after:/i);
      expect(JSON.parse(res.body)).toMatchObject({ type: '/problems/request-incomplete', status: 408, timeoutMs: 1500, requestId: expect.any(String) });
      await closed; // the server hangs up: the rest of the body is never read
      expect(sent).toBeLessThan(body.length);
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
    const stored = await t.http.get('/v1/members?search=Uploader').set(admin).expect(200);
    expect(stored.body.data).toEqual([]);

    // A client error in /metrics, not a 503: a slow client is not our outage.
    const metrics = await t.http.get('/metrics').expect(200);
    const requests = metrics.text.split('\n').filter((line) => line.startsWith('http_request_duration_seconds_count{'));
    expect(requests.some((line) => line.includes('method="POST"') && line.includes('status_code="408"'))).toBe(true);
    expect(requests.filter((line) => line.includes('status_code="503"'))).toEqual([]);
  });

  it('still reads a body that arrives in time', async () => {
    const res = await t.http.post('/v1/members').set(admin).send({ firstName: 'Prompt', lastName: 'Uploader', dateOfBirth: '1990-01-01' }).expect(201);
    expect(res.body.lastName).toBe('Uploader');
  });
});
