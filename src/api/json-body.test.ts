import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonNestingExceeds } from './json-body.js';

/** The plain definition: walk every character, tracking whether it is inside a string. */
function nestingExceedsByCharacter(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '[' || c === '{') {
      if (++depth > maxDepth) return true;
    } else if (c === ']' || c === '}') {
      depth--;
    }
  }
  return false;
}

describe('jsonNestingExceeds', () => {
  it('skips strings whole, escaped quotes and runs of backslashes included', () => {
    expect(jsonNestingExceeds('{"a":"\\"[[[["}', 1)).toBe(false);
    expect(jsonNestingExceeds('{"a":"\\\\"}', 1)).toBe(false);
    expect(jsonNestingExceeds('{"a":"\\\\\\"[["}', 1)).toBe(false);
    expect(jsonNestingExceeds('{"a":"\\\\",[["b"]]}', 2)).toBe(true);
    expect(jsonNestingExceeds('"[[[[', 0)).toBe(false);
    expect(jsonNestingExceeds('[[', 1)).toBe(true);
  });

  it('agrees with the walk character by character on any text of quotes, backslashes and brackets', () => {
    const text = fc.array(fc.constantFrom('"', '\\', '[', ']', '{', '}', 'a', ','), { maxLength: 60 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 4 }), (body, maxDepth) => {
        expect(jsonNestingExceeds(body, maxDepth)).toBe(nestingExceedsByCharacter(body, maxDepth));
      }),
      { numRuns: 5000 },
    );
  });
});
