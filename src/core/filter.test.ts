import { describe, expect, it } from 'vitest';
import { matchesFilter, parseFilter } from './filter.js';

const event = (data: unknown, resource_id: string | null = null) => ({ type: 'order.created', resource_id, data });

describe('subscription filters', () => {
  it('lets everything through without a filter', () => {
    expect(matchesFilter(null, event({}))).toBe(true);
  });

  it('compares paths with literals, a number equal to the string of its digits', () => {
    expect(matchesFilter({ 'data.offer.id': '12' }, event({ offer: { id: 12 } }))).toBe(true);
    expect(matchesFilter({ 'data.offer.id': 13 }, event({ offer: { id: 12 } }))).toBe(false);
    expect(matchesFilter({ resource_id: 'course-1' }, event({}, 'course-1'))).toBe(true);
  });

  it('applies $in, $nin, ranges, $exists, $contains and $startsWith', () => {
    const e = event({ level: 3, tags: ['vip', 'eu'], email: 'ann@example.com', total: '250' });
    expect(matchesFilter({ 'data.level': { $in: ['2', '3'] } }, e)).toBe(true);
    expect(matchesFilter({ 'data.level': { $nin: [3] } }, e)).toBe(false);
    expect(matchesFilter({ 'data.total': { $gte: 100, $lt: 300 } }, e)).toBe(true);
    expect(matchesFilter({ 'data.total': { $gt: 250 } }, e)).toBe(false);
    expect(matchesFilter({ 'data.missing': { $exists: false } }, e)).toBe(true);
    expect(matchesFilter({ 'data.tags': { $contains: 'vip' } }, e)).toBe(true);
    expect(matchesFilter({ 'data.tags': 'eu' }, e)).toBe(true);
    expect(matchesFilter({ 'data.email': { $startsWith: 'ann@' } }, e)).toBe(true);
    expect(matchesFilter({ 'data.email': { $contains: '@example.' } }, e)).toBe(true);
  });

  it('applies $endsWith and $regex (RE2: linear time, no backreferences)', () => {
    const e = event({ email: 'ann@example.com', level: 12 });
    expect(matchesFilter({ 'data.email': { $endsWith: '@example.com' } }, e)).toBe(true);
    expect(matchesFilter({ 'data.email': { $endsWith: '@example.org' } }, e)).toBe(false);
    expect(matchesFilter({ 'data.email': { $regex: '^[a-z]+@example\\.com$' } }, e)).toBe(true);
    expect(matchesFilter({ 'data.level': { $regex: '^1\\d$' } }, e)).toBe(true);
    expect(matchesFilter({ 'data.email': { $regex: '^ANN' } }, e)).toBe(false);
    expect(() => parseFilter({ 'data.email': { $regex: '(a)\\1' } })).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    // A pattern that backtracks exponentially on a JavaScript RegExp finishes at once on RE2.
    const started = Date.now();
    expect(matchesFilter({ 'data.s': { $regex: '^(a+)+$' } }, event({ s: `${'a'.repeat(5000)}!` }))).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('combines conditions with $and, $or and $not', () => {
    const e = event({ a: 1, b: 2 });
    expect(matchesFilter({ $or: [{ 'data.a': 5 }, { 'data.b': 2 }] }, e)).toBe(true);
    expect(matchesFilter({ $and: [{ 'data.a': 1 }, { 'data.b': 3 }] }, e)).toBe(false);
    expect(matchesFilter({ $not: { 'data.a': 1 } }, e)).toBe(false);
  });

  it('does not walk into prototypes', () => {
    expect(matchesFilter({ 'data.constructor': { $exists: true } }, event({}))).toBe(false);
  });

  it('rejects unknown operators, bad paths and bad operands with pointers', () => {
    expect(() => parseFilter({ 'data.x': { $where: '.*' } })).toThrow(expect.objectContaining({ details: [expect.objectContaining({ pointer: '/filter/data.x/$where' })] }));
    expect(() => parseFilter({ 'data.x': { $regex: '(unclosed' } })).toThrow(expect.objectContaining({ details: [expect.objectContaining({ pointer: '/filter/data.x/$regex' })] }));
    expect(() => parseFilter({ 'data x': 1 })).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    expect(() => parseFilter({ $or: [] })).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    expect(() => parseFilter({ 'data.x': { $in: 'a' } })).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    expect(() => parseFilter([] as never)).toThrow(expect.objectContaining({ code: 'validation_failed' }));
  });

  it('refuses filters nested too deeply', () => {
    let deep: Record<string, unknown> = { 'data.a': 1 };
    for (let i = 0; i < 12; i++) deep = { $not: deep };
    expect(() => parseFilter(deep)).toThrow(expect.objectContaining({ code: 'validation_failed' }));
  });
});
