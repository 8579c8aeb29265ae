import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Key format, like GitHub's tokens: `aero_<id>_<secret><checksum>`
 * - `aero_`: a recognisable prefix, so secret scanners can find leaked keys;
 * - `<id>`: the key's UUID without dashes (32 hex), public, for O(1) lookup;
 * - `<secret>`: 256 bits from the CSPRNG, 43 base62 characters;
 * - `<checksum>`: CRC-32 of everything before it, 6 base62 characters, so a mistyped key is refused
 *   without a database round trip.
 */
export const API_KEY_PREFIX = 'aero_';
const SECRET_LENGTH = 43;
const CHECKSUM_LENGTH = 6;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const FORMAT = /^aero_([0-9a-f]{32})_([0-9A-Za-z]{43})([0-9A-Za-z]{6})$/;

function toBase62(value: bigint, length: number): string {
  let out = '';
  let rest = value;
  while (rest > 0n) {
    out = BASE62[Number(rest % 62n)] + out;
    rest /= 62n;
  }
  return out.padStart(length, '0');
}

function checksum(body: string): string {
  return toBase62(BigInt(crc32(body)), CHECKSUM_LENGTH);
}

/** A new key for this id. The caller shows it once and stores only `hashApiKey(key)` and `last4`. */
export function generateApiKey(id: string): string {
  const secret = toBase62(BigInt(`0x${randomBytes(32).toString('hex')}`), SECRET_LENGTH);
  const body = `${API_KEY_PREFIX}${id.replace(/-/g, '')}_${secret}`;
  return body + checksum(body);
}

/** The key's id (a UUID), or undefined when the key is malformed or its checksum fails. No I/O. */
export function parseApiKey(key: string): string | undefined {
  if (key.length > 100) return undefined;
  const match = FORMAT.exec(key);
  if (!match) return undefined;
  const body = key.slice(0, key.length - CHECKSUM_LENGTH);
  if (checksum(body) !== match[3]) return undefined;
  const hex = match[1];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Keyed hash stored at rest: HMAC-SHA-256 with the server-side pepper (API_KEY_PEPPER). */
export function hashApiKey(key: string, pepper: string): string {
  return createHmac('sha256', pepper).update(key).digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

export const API_KEY_SECRET_BITS = SECRET_LENGTH * Math.log2(62);
