import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { brokenQueryParameters } from './query-encoding.middleware';
import { decodeUtf8, firstInvalidUtf8Offset, InvalidUtf8Error, Utf8StreamDecoder } from './utf8';

/** The text, or the offset the decoder names, when `bytes` arrive cut at `cuts`. */
function inChunks(bytes: Uint8Array, cuts: number[]): string | number {
  const decoder = new Utf8StreamDecoder();
  const edges = [...new Set([0, ...cuts.map((c) => c % (bytes.length + 1)), bytes.length])].sort((a, b) => a - b);
  try {
    for (let i = 1; i < edges.length; i++) decoder.push(bytes.subarray(edges[i - 1], edges[i]));
    return decoder.end();
  } catch (error) {
    return (error as InvalidUtf8Error).offset;
  }
}

const offsetOf = (bytes: number[]): number => {
  try {
    decodeUtf8(Uint8Array.from(bytes));
    return -1;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidUtf8Error);
    return (error as InvalidUtf8Error).offset;
  }
};

describe('UTF-8 bodies', () => {
  it('refuses a Latin-1 byte and names its offset', () => {
    // {"firstName":"Caf\xe9"}: the é sent as the single byte 0xE9
    const bytes = [...Buffer.from('{"firstName":"Caf'), 0xe9, ...Buffer.from('"}')];
    expect(offsetOf(bytes)).toBe(17);
  });

  it('refuses overlong forms, surrogates, code points past U+10FFFF and a body that ends inside a character', () => {
    expect(offsetOf([0x41, 0xc0, 0xaf])).toBe(1); // overlong '/'
    expect(offsetOf([0xe0, 0x80, 0xaf])).toBe(0); // overlong
    expect(offsetOf([0x41, 0x42, 0xed, 0xa0, 0x80])).toBe(2); // U+D800
    expect(offsetOf([0xf4, 0x90, 0x80, 0x80])).toBe(0); // U+110000
    expect(offsetOf([0x41, 0xf0, 0x9f, 0xa6])).toBe(1); // 🦘 cut short
    expect(offsetOf([0x80])).toBe(0); // a continuation byte alone
  });

  it('keeps every character as sent, a byte-order mark included (never U+FFFD)', () => {
    const text = '\ufeff{"name":"Zoë 🦘 李 \ufffd"}';
    expect(decodeUtf8(Buffer.from(text, 'utf8'))).toBe(text);
  });

  it('gives the same text or the same offset whatever the chunking (characters cut between chunks)', () => {
    const characters = fc.constantFrom('a', '"', 'é', '李', '🦘', '\u0000', '\ufffd');
    const validText = fc.array(characters, { maxLength: 40 }).map((parts) => Buffer.from(parts.join(''), 'utf8'));
    // Valid text with stray bytes spliced in: lead bytes without their continuations, continuations alone.
    const damaged = fc
      .tuple(validText, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0x80, max: 0xff })), { maxLength: 3 }))
      .map(([bytes, damage]) => {
        const out = [...bytes];
        for (const [at, byte] of damage) out.splice(at % (out.length + 1), 0, byte);
        return Uint8Array.from(out);
      });
    const anyBytes = fc.uint8Array({ maxLength: 40 });
    fc.assert(
      fc.property(fc.oneof(validText, damaged, anyBytes), fc.array(fc.nat(), { maxLength: 12 }), (bytes, cuts) => {
        const whole = inChunks(bytes, []);
        expect(inChunks(bytes, cuts)).toBe(whole);
        // The verdict is Node's own (isUtf8), the text Buffer's decoding, and the offset the first bad byte.
        if (isUtf8(bytes)) expect(whole).toBe(Buffer.from(bytes).toString('utf8'));
        else {
          expect(typeof whole).toBe('number');
          expect(whole).toBe(firstInvalidUtf8Offset(bytes));
          expect(isUtf8(bytes.subarray(0, whole as number))).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('brokenQueryParameters', () => {
  it('names each parameter whose percent-encoding is not UTF-8', () => {
    expect(brokenQueryParameters('/v1/members?search=%E9')).toEqual([{ field: 'search', message: 'is not valid percent-encoded UTF-8' }]);
    expect(brokenQueryParameters('/v1/members?limit=5&search=caf%E9&cursor=%ED%A0%80').map((e) => e.field)).toEqual(['search', 'cursor']);
    expect(brokenQueryParameters('/v1/members?search=50%').map((e) => e.field)).toEqual(['search']);
    expect(brokenQueryParameters('/v1/members?%FF=1').map((e) => e.field)).toEqual(['%FF']);
  });

  it('accepts well-formed percent-encoding, plus signs and a query without escapes', () => {
    expect(brokenQueryParameters('/v1/members?search=Caf%C3%A9+%F0%9F%A6%98&limit=5')).toEqual([]);
    expect(brokenQueryParameters('/v1/members?search=w%25l')).toEqual([]);
    expect(brokenQueryParameters('/v1/members/%E9')).toEqual([]); // the path is the router's to refuse
    expect(brokenQueryParameters('/v1/members?flag&x=')).toEqual([]);
  });
});
