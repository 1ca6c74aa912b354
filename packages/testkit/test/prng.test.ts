import { describe, expect, it } from 'vitest';
import { Prng, mixSeed, mulberry32 } from '../src/index.js';

describe('Prng', () => {
  it('repeats its sequence for a seed and differs across seeds', () => {
    const draw = (seed: number) => Array.from({ length: 8 }, () => mulberry32(seed)).map((r, i) => r.int(1000 + i));
    expect(draw(1)).toEqual(draw(1));
    const a = new Prng(1);
    const b = new Prng(2);
    const sa = Array.from({ length: 16 }, () => a.nextUint32());
    const sb = Array.from({ length: 16 }, () => b.nextUint32());
    expect(sa).not.toEqual(sb);
    expect(new Set(sa).size).toBe(16);
  });

  it('keeps int, range and next inside their bounds and covers them', () => {
    const rng = new Prng(9);
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const x = rng.range(3, 8);
      expect(x).toBeGreaterThanOrEqual(3);
      expect(x).toBeLessThanOrEqual(8);
      seen.add(x);
      const f = rng.next();
      expect(f >= 0 && f < 1).toBe(true);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7, 8]);
  });

  it('draws version 4 uuids', () => {
    expect(new Prng(4).uuid().text).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('mixes neighbouring inputs into unrelated seeds', () => {
    const seeds = Array.from({ length: 1000 }, (_, i) => mixSeed(1, i));
    expect(new Set(seeds).size).toBe(1000);
    expect(mixSeed(1, 2)).not.toBe(mixSeed(2, 1));
  });
});
