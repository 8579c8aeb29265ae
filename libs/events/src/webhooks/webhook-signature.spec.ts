import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, signatureMatches, webhookHeaders, webhookSecretKey } from './webhook-signature';

describe('webhook signatures (Standard Webhooks 1.0)', () => {
  const body = JSON.stringify({ id: 'evt_1', type: 'booking.created', data: { id: 'b1' } });

  it('makes whsec_ secrets of 32 random bytes, never twice the same', () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(webhookSecretKey(a)).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it('signs so that the standardwebhooks reference library verifies the delivery', () => {
    const secret = generateWebhookSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders([secret], 'evt_1', timestamp, body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('sends one entry per live secret during a rotation, and each secret verifies on its own', () => {
    const [oldSecret, newSecret] = [generateWebhookSecret(), generateWebhookSecret()];
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders([newSecret, oldSecret], 'evt_2', timestamp, body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow();
  });

  it('a tampered body no longer matches', () => {
    const secret = generateWebhookSecret();
    const headers = webhookHeaders([secret], 'evt_3', 1_800_000_000, body);
    expect(signatureMatches(secret, headers['webhook-signature'], 'evt_3', 1_800_000_000, body)).toBe(true);
    expect(signatureMatches(secret, headers['webhook-signature'], 'evt_3', 1_800_000_000, body.replace('b1', 'b2'))).toBe(false);
    expect(signatureMatches(secret, headers['webhook-signature'], 'evt_3', 1_800_000_001, body)).toBe(false);
  });

  it('refuses secrets shorter than 24 bytes', () => {
    expect(() => webhookSecretKey(`whsec_${Buffer.alloc(16).toString('base64')}`)).toThrow(/24 to 64/);
  });
});
