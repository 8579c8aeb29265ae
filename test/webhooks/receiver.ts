import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

export type ReceiverMode = { answer: number; retryAfter?: string } | 'hang';

/**
 * A webhook receiver on 127.0.0.1 for the tests: answers with `mode` (a status, or never), records what
 * arrived, and can go away (stop listening) and come back on the same port.
 */
export class TestReceiver {
  readonly received: ReceivedWebhook[] = [];
  mode: ReceiverMode = { answer: 204 };
  private server?: Server;
  private hanging: ServerResponse[] = [];
  port = 0;

  static async start(): Promise<TestReceiver> {
    const receiver = new TestReceiver();
    await receiver.listen();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (this.mode === 'hang') {
          this.hanging.push(res);
          return;
        }
        const headers: Record<string, string> = this.mode.retryAfter ? { 'retry-after': this.mode.retryAfter } : {};
        res.writeHead(this.mode.answer, headers).end(this.mode.answer >= 300 ? 'receiver says no' : '');
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening (connections are refused) but keeps the port number for `listen()`. */
  async goAway(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const res of this.hanging.splice(0)) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** Bodies by webhook-id. */
  ids(): string[] {
    return this.received.map((r) => String(r.headers['webhook-id']));
  }

  async close(): Promise<void> {
    await this.goAway();
  }
}
