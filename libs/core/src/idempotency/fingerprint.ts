import { createHash } from 'node:crypto';

/** RFC 8785-style canonical JSON: object keys sorted at every depth, no whitespace. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * What makes two requests "the same request" for one Idempotency-Key: the method, the route template, the
 * path parameters (so cancelling booking A and booking B are different requests) and the body, compared
 * as canonical JSON so key order and whitespace do not matter. SHA-256, hex.
 */
export function requestFingerprint(
  method: string,
  route: string,
  params: Record<string, unknown>,
  body: unknown,
): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()} ${route}\n${canonicalJson(params)}\n${canonicalJson(body ?? null)}`)
    .digest('hex');
}

/** 1–255 printable ASCII characters (space to tilde), as the header's contract says. */
export function isValidIdempotencyKey(key: string): boolean {
  return /^[\x20-\x7e]{1,255}$/.test(key);
}
