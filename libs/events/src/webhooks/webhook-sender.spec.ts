import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Socket } from 'node:net';
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from './address-guard';
import { WebhookSender } from './webhook-sender';

/**
 * A tripwire under every socket of this test file: a socket about to connect anywhere but loopback is
 * destroyed before it connects (Node checks `connecting` right after the 'lookup' event) and recorded, so a
 * broken guard fails the test instead of sending a packet.
 */
const offLoopback: string[] = [];
const originalEmit = Socket.prototype.emit;
beforeAll(() => {
  jest.spyOn(Socket.prototype, 'emit').mockImplementation(function (this: Socket, event: string | symbol, ...args: unknown[]) {
    if (event === 'lookup' && typeof args[1] === 'string' && !/^(127\.|::1$|::ffff:127\.)/.test(args[1])) {
      offLoopback.push(args[1]);
      this.destroy();
      return true;
    }
    return (originalEmit as (this: Socket, event: string | symbol, ...rest: unknown[]) => boolean).call(this, event, ...args);
  });
});
afterAll(() => jest.restoreAllMocks());

const answering =
  (address: string, calls: string[] = []): LookupFunction =>
  (host, options, callback) => {
    calls.push(host);
    if (options.all) callback(null, [{ address, family: address.includes(':') ? 6 : 4 }] as LookupAddress[]);
    else callback(null, address, address.includes(':') ? 6 : 4);
  };

describe('WebhookSender', () => {
  let server: Server;
  let port: number;
  let respond: (res: import('node:http').ServerResponse, body: string) => void;
  const received: { headers: Record<string, unknown>; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        respond(res, body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    received.length = 0;
    respond = (res) => res.writeHead(204).end();
  });

  const attempt = (url: string) => ({ url, headers: { 'webhook-id': 'evt_1' }, body: '{"id":"evt_1"}' });

  it('posts the JSON body with the given headers; a 2xx is success', async () => {
    const sender = new WebhookSender({ timeoutMs: 5000, allowPrivate: true });
    const result = await sender.send(attempt(`http://127.0.0.1:${port}/hook`));
    sender.close();
    expect(result).toMatchObject({ outcome: 'succeeded', statusCode: 204, error: null });
    expect(received[0].body).toBe('{"id":"evt_1"}');
    expect(received[0].headers).toMatchObject({ 'webhook-id': 'evt_1', 'content-type': 'application/json' });
  });

  it('does not follow a redirect, and records the first 1 kB of the answer', async () => {
    respond = (res) => res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end('x'.repeat(5000));
    const sender = new WebhookSender({ timeoutMs: 5000, allowPrivate: true });
    const result = await sender.send(attempt(`http://127.0.0.1:${port}/hook`));
    sender.close();
    expect(result).toMatchObject({ outcome: 'failed', statusCode: 302, error: 'redirect 302 not followed' });
    expect(result.responseExcerpt).toHaveLength(1024);
    expect(received).toHaveLength(1);
  });

  it('reads Retry-After from a 429', async () => {
    respond = (res) => res.writeHead(429, { 'retry-after': '90' }).end();
    const sender = new WebhookSender({ timeoutMs: 5000, allowPrivate: true });
    const result = await sender.send(attempt(`http://127.0.0.1:${port}/hook`));
    sender.close();
    expect(result).toMatchObject({ outcome: 'failed', statusCode: 429, retryAfterMs: 90_000 });
  });

  it('gives up after the timeout and marks the attempt ambiguous (the body was sent)', async () => {
    respond = () => undefined; // never answers
    const sender = new WebhookSender({ timeoutMs: 200, allowPrivate: true });
    const result = await sender.send(attempt(`http://127.0.0.1:${port}/hook`));
    sender.close();
    expect(result).toMatchObject({ outcome: 'failed', statusCode: null, ambiguous: true, error: 'no answer within 200 ms' });
  });

  it('fails (not ambiguous) when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const sender = new WebhookSender({ timeoutMs: 2000, allowPrivate: true });
    const result = await sender.send(attempt(`http://127.0.0.1:${freePort}/hook`));
    sender.close();
    expect(result).toMatchObject({ outcome: 'failed', error: 'connection refused', ambiguous: false });
  });

  it('refuses a literal private or loopback address without connecting', async () => {
    const sender = new WebhookSender({ timeoutMs: 2000, allowPrivate: false });
    for (const url of [`http://127.0.0.1:${port}/hook`, 'https://10.0.0.1/hook', 'https://169.254.169.254/', 'https://[::1]/']) {
      expect(await sender.send(attempt(url))).toMatchObject({ outcome: 'refused' });
    }
    sender.close();
    expect(received).toHaveLength(0);
    expect(offLoopback).toEqual([]);
  });

  it('refuses a name that resolves to a private address, checked at connect time, before any connect', async () => {
    const calls: string[] = [];
    const sender = new WebhookSender({ timeoutMs: 2000, allowPrivate: false, lookup: answering('10.0.0.1', calls) });
    const result = await sender.send(attempt('https://hooks.partner.example/aero'));
    sender.close();
    expect(calls).toEqual(['hooks.partner.example']);
    expect(result.outcome).toBe('refused');
    expect(result.error).toContain('10.0.0.1');
    expect(offLoopback).toEqual([]);
  });

  it('refuses a name that rebinds to loopback after having resolved publicly', async () => {
    let answer = '93.184.216.34';
    const rebinding: LookupFunction = (host, options, callback) => answering(answer)(host, options, callback);
    const sender = new WebhookSender({ timeoutMs: 2000, allowPrivate: false, lookup: rebinding });
    answer = '127.0.0.1';
    const result = await sender.send(attempt(`http://rebind.partner.example:${port}/aero`));
    sender.close();
    expect(result.outcome).toBe('refused');
    expect(received).toHaveLength(0);
  });
});
