import { WebhookSecretBox } from './webhook-secret-box';

describe('WebhookSecretBox (AES-256-GCM at rest)', () => {
  const box = new WebhookSecretBox('k'.repeat(48));
  const secret = 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0';

  it('opens what it sealed, and the stored form does not contain the secret', () => {
    const sealed = box.seal(secret, 'endpoint-1');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain(secret.slice(6, 20));
    expect(box.open(sealed, 'endpoint-1')).toBe(secret);
  });

  it('seals the same secret differently each time (random IV)', () => {
    expect(box.seal(secret, 'e')).not.toBe(box.seal(secret, 'e'));
  });

  it('refuses a ciphertext moved to another endpoint, tampered with, or sealed with another key', () => {
    const sealed = box.seal(secret, 'endpoint-1');
    expect(() => box.open(sealed, 'endpoint-2')).toThrow('does not open');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('x' + Buffer.from(parts[3], 'base64url').toString('latin1').slice(1), 'latin1').toString('base64url');
    expect(() => box.open(parts.join('.'), 'endpoint-1')).toThrow('does not open');
    expect(() => new WebhookSecretBox('z'.repeat(48)).open(sealed, 'endpoint-1')).toThrow('does not open');
  });

  it('never puts the secret in its error messages', () => {
    try {
      new WebhookSecretBox('z'.repeat(48)).open(box.seal(secret, 'e'), 'e');
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
    expect.assertions(1);
  });
});
