import { Webhook } from 'standardwebhooks';
import { verifyWebhook, WebhookVerificationError } from './webhooks';

const secret = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
const body = JSON.stringify({ id: 'evt_abc', type: 'booking.created', occurredAt: '2026-12-07T10:00:00.000Z', venueId: null, actor: { kind: 'system', id: 'cli' }, data: {} });
const now = Math.floor(Date.now() / 1000);

/** Headers as the reference library signs them: the SDK must accept exactly those. */
function signed(id = 'evt_abc', at = now, secrets = [secret]): Record<string, string> {
  const signature = secrets.map((s) => new Webhook(s).sign(id, new Date(at * 1000), body)).join(' ');
  return { 'webhook-id': id, 'webhook-timestamp': String(at), 'webhook-signature': signature };
}

describe('verifyWebhook', () => {
  it('accepts what the standardwebhooks library signs and returns the event', () => {
    expect(verifyWebhook(secret, signed(), body)).toMatchObject({ id: 'evt_abc', type: 'booking.created' });
  });

  it('accepts either secret during a rotation, and a Headers object', () => {
    const other = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const h = signed('evt_abc', now, [other, secret]);
    expect(() => verifyWebhook(other, h, body)).not.toThrow();
    expect(() => verifyWebhook(secret, new Headers(h), body)).not.toThrow();
  });

  it('refuses a tampered body, another secret, a stale timestamp and missing headers', () => {
    expect(() => verifyWebhook(secret, signed(), body.replace('abc', 'abd'))).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, signed(), body)).toThrow('no signature');
    expect(() => verifyWebhook(secret, signed('evt_abc', now - 301), body)).toThrow('tolerance');
    expect(() => verifyWebhook(secret, { 'webhook-id': 'evt_abc' }, body)).toThrow('missing');
  });
});
