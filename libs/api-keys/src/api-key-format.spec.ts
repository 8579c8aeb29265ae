import { randomUUID } from 'node:crypto';
import { API_KEY_SECRET_BITS, digestsEqual, generateApiKey, hashApiKey, parseApiKey } from './api-key-format';

/** Swaps the first two adjacent, different characters from `from` on (a transposition typo). */
function swapFirstDistinctPair(value: string, from: number): string {
  let i = from;
  while (value[i] === value[i + 1] || value[i] === '_' || value[i + 1] === '_') i++;
  return value.slice(0, i) + value[i + 1] + value[i] + value.slice(i + 2);
}

describe('API key format', () => {
  const id = randomUUID();
  const key = generateApiKey(id);

  it('starts with aero_, carries the public id, and at least 256 bits of secret', () => {
    expect(key).toMatch(/^aero_[0-9a-f]{32}_[0-9A-Za-z]{49}$/);
    expect(key.slice(5, 37)).toBe(id.replace(/-/g, ''));
    expect(API_KEY_SECRET_BITS).toBeGreaterThanOrEqual(256);
    expect(generateApiKey(id)).not.toBe(key);
  });

  it('parses back to its id', () => {
    expect(parseApiKey(key)).toBe(id);
  });

  it('rejects every single-character typo through the checksum', () => {
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    let accepted = 0;
    for (let i = 5; i < key.length; i++) {
      if (key[i] === '_') continue;
      const replacement = alphabet[(alphabet.indexOf(key[i]) + 1 + (i % 7)) % alphabet.length];
      const typo = key.slice(0, i) + replacement + key.slice(i + 1);
      if (parseApiKey(typo) !== undefined) accepted++;
    }
    expect(accepted).toBe(0);
  });

  it.each([
    ['empty', ''],
    ['another prefix', key.replace(/^aero_/, 'aeri_')],
    ['truncated', key.slice(0, -1)],
    ['extended', `${key}0`],
    ['two adjacent characters swapped', swapFirstDistinctPair(key, 40)],
    ['upper-case id', key.slice(0, 5) + key.slice(5, 37).toUpperCase() + key.slice(37)],
    ['whitespace', ` ${key}`],
    ['very long', 'a'.repeat(10_000)],
  ])('rejects a %s key', (_name, candidate) => {
    expect(candidate).not.toBe(key);
    expect(parseApiKey(candidate)).toBeUndefined();
  });

  it('stores an HMAC that depends on the pepper and compares it in constant time', () => {
    const hash = hashApiKey(key, 'pepper-one-0123456789abcdef0123456789');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key, 'pepper-two-0123456789abcdef0123456789')).not.toBe(hash);
    expect(digestsEqual(hash, hashApiKey(key, 'pepper-one-0123456789abcdef0123456789'))).toBe(true);
    expect(digestsEqual(hash, hashApiKey(`${key.slice(0, -1)}${key.endsWith('x') ? 'y' : 'x'}`, 'pepper-one-0123456789abcdef0123456789'))).toBe(false);
    expect(digestsEqual(hash, '')).toBe(false);
  });
});
