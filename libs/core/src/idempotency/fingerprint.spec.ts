import { canonicalJson, isValidIdempotencyKey, requestFingerprint } from './fingerprint';

describe('requestFingerprint', () => {
  const body = { sessionId: 's1', memberId: 'm1', quantity: 2, extra: { b: 1, a: [1, { y: 2, x: 1 }] } };

  it('is the same for the same request whatever the key order', () => {
    const reordered = { extra: { a: [1, { x: 1, y: 2 }], b: 1 }, quantity: 2, memberId: 'm1', sessionId: 's1' };
    expect(requestFingerprint('post', '/v1/bookings', {}, body)).toBe(requestFingerprint('POST', '/v1/bookings', {}, reordered));
    expect(requestFingerprint('POST', '/v1/bookings', {}, body)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs when the method, route, path parameters or any value differ', () => {
    const base = requestFingerprint('POST', '/v1/bookings', {}, body);
    const others = [
      requestFingerprint('PATCH', '/v1/bookings', {}, body),
      requestFingerprint('POST', '/v1/holds', {}, body),
      requestFingerprint('POST', '/v1/bookings', { id: 'a' }, body),
      requestFingerprint('POST', '/v1/bookings', {}, { ...body, quantity: 3 }),
      requestFingerprint('POST', '/v1/bookings', {}, { ...body, quantity: '2' }),
      requestFingerprint('POST', '/v1/bookings', {}, [body]),
    ];
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
  });

  it('canonical JSON drops undefined members and sorts keys', () => {
    expect(canonicalJson({ b: undefined, a: 1, c: null })).toBe('{"a":1,"c":null}');
  });
});

describe('isValidIdempotencyKey', () => {
  it.each([['a'], ['x'.repeat(255)], ['9f1c-ORDER 42/~!']])('accepts %j', (key) => expect(isValidIdempotencyKey(key)).toBe(true));
  it.each([[''], ['x'.repeat(256)], ['café'], ['a\tb'], ['a\nb']])('refuses %j', (key) =>
    expect(isValidIdempotencyKey(key)).toBe(false),
  );
});
