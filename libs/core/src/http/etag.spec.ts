import { updatedAtEtag, weakEtag } from './etag';

describe('weak ETags', () => {
  it('joins the parts into one weak tag', () => {
    expect(weakEtag(3)).toBe('W/"3"');
    expect(weakEtag('a', 1)).toBe('W/"a-1"');
  });

  it('derives a tag from id + updatedAt that moves when updatedAt moves, and none from a bad date', () => {
    const a = updatedAtEtag({ id: 'v1', updatedAt: '2026-12-07T10:00:00.000Z' });
    const b = updatedAtEtag({ id: 'v1', updatedAt: '2026-12-07T10:00:00.001Z' });
    expect(a).toMatch(/^W\/"[0-9a-z]+-v1"$/);
    expect(b).not.toBe(a);
    expect(updatedAtEtag({ id: 'v2', updatedAt: '2026-12-07T10:00:00.000Z' })).not.toBe(a);
    expect(updatedAtEtag({ id: 'v1', updatedAt: 'not a date' })).toBeUndefined();
  });
});
