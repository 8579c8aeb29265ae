import fc from 'fast-check';
import { exceedsJsonLimits, JsonLimitScanner } from './json-limits';

const scan = (text: string, maxDepth = 3, maxElements = 5) =>
  exceedsJsonLimits(Buffer.from(text, 'utf8'), { maxDepth, maxElements });

describe('exceedsJsonLimits', () => {
  it('accepts a body exactly at the depth limit and refuses one level more', () => {
    expect(scan('{"a":[{"b":1}]}')).toBeUndefined();
    expect(scan('{"a":[{"b":[1]}]}')).toBe('depth');
  });

  it('counts array elements and object members over the whole body, empty containers as none', () => {
    // members a, b (2) + elements 1, 2 (2) + member c (1) = 5
    expect(scan('{"a":[1,2],"b":{"c":3}}')).toBeUndefined();
    expect(scan('{"a":[1,2],"b":{"c":3,"d":4}}', 3, 5)).toBe('elements');
    expect(scan('[[],{},[ ],{ }]', 3, 4)).toBeUndefined();
  });

  it('ignores brackets, commas and escaped quotes inside strings', () => {
    expect(scan(JSON.stringify({ a: '[[[[{{{{,,,,,,' }))).toBeUndefined();
    expect(scan(JSON.stringify({ a: 'quote " and [[[[ backslash \\', b: '\\"[[[[[' }))).toBeUndefined();
    expect(scan('{"a":"\\\\"}')).toBeUndefined();
    expect(scan('{"a":"\\\\",\"b\":[[[1]]]}')).toBe('depth');
  });

  it('reads multi-byte UTF-8 as text', () => {
    expect(scan(JSON.stringify({ name: 'Zoë 🦘 李 [[[[' }))).toBeUndefined();
  });

  it('stops at the limit on a deeply nested body', () => {
    const hostile = Buffer.from('['.repeat(45_000) + ']'.repeat(45_000));
    expect(exceedsJsonLimits(hostile, { maxDepth: 32, maxElements: 10_000 })).toBe('depth');
  });

  it('leaves malformed text to the parser (no throw, no false alarm)', () => {
    expect(scan('{"a": "unterminated')).toBeUndefined();
    expect(scan(']]]]')).toBeUndefined();
  });
});

describe('JsonLimitScanner (chunk by chunk)', () => {
  /** The verdict when the text arrives cut at `cuts` (byte offsets). */
  const inChunks = (bytes: Buffer, cuts: number[], maxDepth: number, maxElements: number) => {
    const scanner = new JsonLimitScanner({ maxDepth, maxElements });
    const edges = [...new Set([0, ...cuts.map((c) => c % (bytes.length + 1)), bytes.length])].sort((a, b) => a - b);
    for (let i = 1; i < edges.length; i++) {
      const exceeded = scanner.push(bytes.subarray(edges[i - 1], edges[i]));
      if (exceeded) return exceeded;
    }
    return undefined;
  };

  it('refuses at the first chunk past the limit, before the rest arrives', () => {
    const scanner = new JsonLimitScanner({ maxDepth: 32, maxElements: 10_000 });
    expect(scanner.push(Buffer.from('['.repeat(20)))).toBeUndefined();
    expect(scanner.push(Buffer.from('['.repeat(20)))).toBe('depth');
  });

  it('carries a string, and an escape, across chunk boundaries', () => {
    const scanner = new JsonLimitScanner({ maxDepth: 2, maxElements: 100 });
    // {"a":"x\" [[[" } cut right after the backslash: the quote that follows is escaped, the brackets are text.
    for (const part of ['{"a":"x\\', '"', ' [[[', '"', '}']) expect(scanner.push(Buffer.from(part))).toBeUndefined();
    // {"a":"\\","b":[[1]]} cut between the two backslashes: an escaped backslash, so the quote closes the string.
    const even = new JsonLimitScanner({ maxDepth: 2, maxElements: 100 });
    expect(even.push(Buffer.from('{"a":"\\'))).toBeUndefined();
    expect(even.push(Buffer.from('\\'))).toBeUndefined();
    expect(even.push(Buffer.from('",'))).toBeUndefined();
    expect(even.push(Buffer.from('"b":[[1]]}'))).toBe('depth');
  });

  it('gives the same verdict whatever the chunking (generated JSON, strings full of brackets, quotes and backslashes)', () => {
    const text = fc.string({ unit: fc.constantFrom('a', '"', '\\', '[', ']', '{', '}', ',', 'é', '🦘') });
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.array(tie('node')), fc.dictionary(text, tie('node'))),
    })).node;
    fc.assert(
      fc.property(value, fc.array(fc.nat(), { maxLength: 12 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 30 }), (v, cuts, maxDepth, maxElements) => {
        const bytes = Buffer.from(JSON.stringify(v), 'utf8');
        expect(inChunks(bytes, cuts, maxDepth, maxElements)).toBe(exceedsJsonLimits(bytes, { maxDepth, maxElements }));
      }),
      { numRuns: 2000 },
    );
  });
});
