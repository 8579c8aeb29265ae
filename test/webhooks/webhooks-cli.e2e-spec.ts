import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, WebhookSecretBox } from '@aero/events';
import { CliSandbox } from '@aero/testing';

jest.setTimeout(120_000);

/** The CLI blocks this process while it runs, so the receiver is a child process writing what it got to a file. */
const RECEIVER = `
const { createServer } = require('node:http'); const { appendFileSync } = require('node:fs');
const server = createServer((req, res) => { let body = ''; req.on('data', (c) => (body += c));
  req.on('end', () => { appendFileSync(process.argv[1], JSON.stringify({ headers: req.headers, body }) + '\\n'); res.writeHead(204).end(); }); });
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));`;

describe('webhooks CLI (e2e)', () => {
  let sandbox: CliSandbox;
  let receiver: ChildProcess;
  let port: number;
  let log: string;
  const allow = { WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true' };
  const id = randomUUID();
  const secret = generateWebhookSecret();

  beforeAll(async () => {
    sandbox = await CliSandbox.create('aero-webhooks-cli-');
    sandbox.json(['db:migrate', '--json']);
    log = join(sandbox.dir, 'received.jsonl');
    receiver = spawn(process.execPath, ['-e', RECEIVER, log], { stdio: ['ignore', 'pipe', 'inherit'] });
    port = await new Promise<number>((resolve) => receiver.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    const sealed = new WebhookSecretBox(sandbox.env.WEBHOOKS_SECRET_KEY as string).seal(secret, id);
    const now = new Date();
    await sandbox.query(
      `INSERT INTO webhook_endpoints (id, url, types, secret_sealed, owner_kind, owner_id, created_at, updated_at)
       VALUES ($1, $2, '["*"]', $3, 'user', 'cli', $4, $5)`,
      id,
      `http://127.0.0.1:${port}/hooks`,
      sealed,
      sandbox.dialect === 'sqlite' ? now.toISOString().replace('T', ' ').replace('Z', '') : now,
      sandbox.dialect === 'sqlite' ? now.toISOString().replace('T', ' ').replace('Z', '') : now,
    );
  });
  afterAll(async () => {
    receiver?.kill();
    await sandbox.dispose();
  });

  it('webhooks:list shows the endpoint and never its secret', () => {
    const result = sandbox.run(['webhooks:list', '--json'], allow);
    expect(result.status).toBe(0);
    const list = JSON.parse(result.stdout) as { id: string; enabled: boolean }[];
    expect(list).toEqual([expect.objectContaining({ id, enabled: true })]);
    expect(result.stdout + result.stderr).not.toContain(secret.slice(6));
  });

  it('webhooks:test sends a signed ping the standardwebhooks package verifies, recorded as a delivery', () => {
    const result = sandbox.run(['webhooks:test', id, '--json'], allow);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ outcome: 'succeeded', statusCode: 204 });
    const [ping] = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { headers: Record<string, string>; body: string });
    expect(new Webhook(secret).verify(ping.body, ping.headers)).toMatchObject({ type: 'webhook.ping', data: { endpointId: id } });
    const deliveries = sandbox.json<{ eventType: string; status: string; attempts: unknown[] }[]>(['webhooks:deliveries', id, '--json']);
    expect(deliveries).toEqual([expect.objectContaining({ eventType: 'webhook.ping', status: 'succeeded' })]);
    expect(deliveries[0].attempts).toHaveLength(1);
  });

  it('webhooks:replay and webhooks:test refuse bad arguments with a message', () => {
    const bad = sandbox.run(['webhooks:replay', id, '--since', 'yesterday']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--since');
    const notUuid = sandbox.run(['webhooks:test', 'nope']);
    expect(notUuid.status).not.toBe(0);
    expect(notUuid.stderr).toContain('endpoint id');
    expect(sandbox.json(['webhooks:replay', id, '--since', '2h', '--json'])).toMatchObject({ deliveries: 0 });
  });
});
