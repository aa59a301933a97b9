import { describe, expect, it } from 'vitest';
import { newId } from './ids.js';

describe('ids', () => {
  it('mints prefixed ULIDs that are unique and ordered by creation', () => {
    const ids = Array.from({ length: 10_000 }, () => newId('event'));
    expect(ids.every((id) => /^evt_[0-9A-HJKMNP-TV-Z]{26}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('spreads the random part over every base-32 character (the buffered randomness is not stuck)', () => {
    // Within one millisecond a monotonic ULID only increments; the first id of each new millisecond
    // draws fresh randomness. Sample the first random character of 400 such ids.
    const seen = new Set<string>();
    for (let samples = 0; samples < 400; samples++) {
      const start = Date.now();
      while (Date.now() === start) {
        // wait for the next millisecond
      }
      seen.add(newId('delivery').charAt(4 + 10));
    }
    expect(seen.size).toBe(32);
  });
});
