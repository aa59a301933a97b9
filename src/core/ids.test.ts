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
    // The first id of each millisecond draws 16 fresh random characters; sample many milliseconds' worth.
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) for (const c of newId('delivery').slice(-16)) seen.add(c);
    expect(seen.size).toBe(32);
  });
});
