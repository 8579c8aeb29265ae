import { exceedsJsonLimits } from './json-limits';

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
