import { LiveGrants } from '../../src/auth/live-grants';

describe('LiveGrants: a few seconds of memory of live grants', () => {
  test('a remembered grant is live until its time runs out', () => {
    const g = new LiveGrants(5_000);
    g.remember('a', 1_000);
    expect(g.isLive('a', 5_999)).toBe(true);
    expect(g.isLive('a', 6_000)).toBe(false);
    expect(g.isLive('b', 1_000)).toBe(false);
  });

  test('a revoked grant is forgotten and a lookup that raced the revocation cannot bring it back', () => {
    const g = new LiveGrants(5_000);
    g.remember('a', 0);
    g.forget('a');
    expect(g.isLive('a', 1)).toBe(false);
    g.remember('a', 2);
    expect(g.isLive('a', 3)).toBe(false);
  });

  test('bounded: the oldest grant makes room', () => {
    const g = new LiveGrants(5_000, 2);
    g.remember('a', 0);
    g.remember('b', 0);
    g.remember('c', 0);
    expect([g.isLive('a', 1), g.isLive('b', 1), g.isLive('c', 1)]).toEqual([false, true, true]);
  });

  test('a grant is remembered with its Patient; one that changed is looked up again, and may be remembered anew', () => {
    const g = new LiveGrants(5_000);
    g.remember('a', 0, 'p1');
    expect(g.live('a', 1)).toEqual(expect.objectContaining({ patientId: 'p1' }));
    g.evict('a');
    expect(g.live('a', 2)).toBeUndefined();
    g.remember('a', 3, 'p2');
    expect(g.live('a', 4)).toEqual(expect.objectContaining({ patientId: 'p2' }));
    g.remember('b', 0);
    expect(g.live('b', 1)).toEqual(expect.objectContaining({ patientId: null }));
  });
});
