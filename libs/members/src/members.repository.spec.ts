import fc from 'fast-check';
import { prefixRange } from './members.repository';

/** Compares as SQLite's BINARY and PostgreSQL's "C" collations do on UTF-8: by code point. */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function inRange(s: string, range: { lo: string; hi?: string }): boolean {
  return byCodePoint(s, range.lo) >= 0 && (range.hi === undefined || byCodePoint(s, range.hi) < 0);
}

describe('prefixRange', () => {
  it('bumps the last character', () => {
    expect(prefixRange('sin')).toEqual({ lo: 'sin', hi: 'sio' });
    expect(prefixRange('de ')).toEqual({ lo: 'de ', hi: 'de!' });
    expect(prefixRange('o_b')).toEqual({ lo: 'o_b', hi: 'o_c' });
    expect(prefixRange('élo')).toEqual({ lo: 'élo', hi: 'élp' });
  });

  it('widens the range past a last character without a plain successor, and has no bound when none is left', () => {
    expect(prefixRange('ab😀')).toEqual({ lo: 'ab😀', hi: 'ac' });
    expect(prefixRange('a\uffff')).toEqual({ lo: 'a\uffff', hi: 'b' });
    expect(prefixRange('x\ud7ff')).toEqual({ lo: 'x\ud7ff', hi: 'y' });
    expect(prefixRange('😀')).toEqual({ lo: '😀' });
  });

  // The range must hold every string with the prefix (or the search would miss members), and hold only
  // those when the last character has a plain successor (then the LIKE beside it filters nothing).
  const text = fc.string({
    unit: fc.constantFrom('a', 'b', 'z', ' ', '!', '_', 'é', '\u00ff', '\uffff', '😀', '\ud7ff', '\ue000'),
    maxLength: 6,
  });
  it('holds exactly the strings that start with the prefix, in code-point order', () => {
    fc.assert(
      fc.property(
        text.filter((p) => p.length > 0),
        text,
        text,
        (prefix, other, suffix) => {
          const range = prefixRange(prefix);
          expect(inRange(prefix + suffix, range)).toBe(true);
          const exact = !/[\ud800-\udfff\ud7ff\uffff]$/.test(prefix);
          if (exact) expect(inRange(other, range)).toBe(other.startsWith(prefix));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
