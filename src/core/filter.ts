import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';
import { HookpostError, type ErrorDetail } from './errors.js';

/**
 * Subscription filters: a small MongoDB-like condition language evaluated against the event as
 * `{ type, resource_id, data }`. Keys are dotted paths (`data.offer.id`) or `$and`/`$or`/`$not`;
 * a path maps to a literal (equality) or to operators. Several keys in one object must all hold.
 * Equality between a number and a string compares their text, because platforms disagree on
 * whether ids are numbers (`"offerFilter": "12,34"` must match `offer.id: 12`).
 */
export type Filter = { [key: string]: unknown };

/** The operators a path condition may use. */
export const FILTER_OPERATORS = [
  '$eq',
  '$ne',
  '$in',
  '$nin',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$exists',
  '$contains',
  '$startsWith',
  '$endsWith',
  '$regex',
] as const;
type Operator = (typeof FILTER_OPERATORS)[number];

const MAX_DEPTH = 8;
const MAX_NODES = 200;
const MAX_PATTERN_LENGTH = 512;
// $regex runs on RE2 (linear time in the input), never on the backtracking engine, so a
// client's pattern cannot stall matching; compiled patterns are kept because publish runs them often.
const compiledPatterns = new Map<string, RE2JS>();
// RE2 is loaded by the first $regex, not with the server: few filters use one, and it is about
// 0.8 MB of heap and 30 ms of the API thread's start-up (docs/performance.md, "Start-up and memory").
let re2: typeof RE2JS | null = null;
const loadRe2 = (): typeof RE2JS => (re2 ??= (createRequire(import.meta.url)('re2js') as typeof import('re2js')).RE2JS);

/** The view of an event that filters see. */
export interface FilterSubject {
  type: string;
  resource_id: string | null;
  data: unknown;
}

/** Checks a client-supplied filter; returns it unchanged or throws validation_failed with pointers. */
export function parseFilter(input: unknown, pointer = '/filter'): Filter {
  const problems: ErrorDetail[] = [];
  let nodes = 0;
  const visit = (node: unknown, at: string, depth: number): void => {
    nodes += 1;
    if (nodes > MAX_NODES) {
      if (nodes === MAX_NODES + 1) problems.push({ pointer: at, message: `a filter has at most ${MAX_NODES} conditions` });
      return;
    }
    if (depth > MAX_DEPTH) {
      problems.push({ pointer: at, message: `a filter nests at most ${MAX_DEPTH} levels` });
      return;
    }
    if (!isPlainObject(node)) {
      problems.push({ pointer: at, message: 'a filter condition must be an object' });
      return;
    }
    for (const [key, value] of Object.entries(node)) {
      const here = `${at}/${escapePointer(key)}`;
      if (key === '$and' || key === '$or') {
        if (!Array.isArray(value) || value.length === 0) {
          problems.push({ pointer: here, message: `${key} takes a non-empty array of conditions` });
          continue;
        }
        value.forEach((child, index) => visit(child, `${here}/${index}`, depth + 1));
      } else if (key === '$not') {
        visit(value, here, depth + 1);
      } else if (key.startsWith('$')) {
        problems.push({ pointer: here, message: `unknown filter keyword ${key}` });
      } else if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(key) || key.length > 256) {
        problems.push({ pointer: here, message: 'a filter path is dot-separated names of letters, digits, _ and -' });
      } else if (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith('$'))) {
        for (const [op, operand] of Object.entries(value)) {
          const problem = checkOperator(op, operand);
          if (problem) problems.push({ pointer: `${here}/${escapePointer(op)}`, message: problem });
        }
      } else if (!isLiteral(value)) {
        problems.push({ pointer: here, message: 'compare a path with a string, number, boolean or null, or with operators' });
      }
    }
  };
  visit(input, pointer, 0);
  if (problems.length > 0) throw new HookpostError('validation_failed', 'The filter is not valid.', problems);
  return input as Filter;
}

/** Whether the event satisfies the filter; a null filter lets everything through. */
export function matchesFilter(filter: Filter | null, subject: FilterSubject): boolean {
  if (filter === null) return true;
  return Object.entries(filter).every(([key, value]) => {
    if (key === '$and') return (value as Filter[]).every((child) => matchesFilter(child, subject));
    if (key === '$or') return (value as Filter[]).some((child) => matchesFilter(child, subject));
    if (key === '$not') return !matchesFilter(value as Filter, subject);
    const actual = readPath(subject, key);
    if (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith('$'))) {
      return Object.entries(value).every(([op, operand]) => applyOperator(op as Operator, actual, operand));
    }
    return looselyEqual(actual, value);
  });
}

function checkOperator(op: string, operand: unknown): string | null {
  switch (op) {
    case '$eq':
    case '$ne':
      return isLiteral(operand) ? null : `${op} takes a string, number, boolean or null`;
    case '$in':
    case '$nin':
      return Array.isArray(operand) && operand.length <= 1000 && operand.every(isLiteral)
        ? null
        : `${op} takes an array of at most 1000 literals`;
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      return typeof operand === 'number' || typeof operand === 'string' ? null : `${op} takes a number or a string`;
    case '$exists':
      return typeof operand === 'boolean' ? null : '$exists takes true or false';
    case '$contains':
    case '$startsWith':
    case '$endsWith':
      return typeof operand === 'string' || (op === '$contains' && isLiteral(operand)) ? null : `${op} takes a string`;
    case '$regex':
      if (typeof operand !== 'string' || operand.length > MAX_PATTERN_LENGTH) return `$regex takes a pattern of at most ${MAX_PATTERN_LENGTH} characters`;
      try {
        pattern(operand);
        return null;
      } catch (error) {
        return `$regex pattern is not valid RE2 syntax: ${(error as Error).message}`;
      }
    default:
      return `unknown filter operator ${op}`;
  }
}

function applyOperator(op: Operator, actual: unknown, operand: unknown): boolean {
  switch (op) {
    case '$eq':
      return looselyEqual(actual, operand);
    case '$ne':
      return !looselyEqual(actual, operand);
    case '$in':
      return (operand as unknown[]).some((candidate) => looselyEqual(actual, candidate));
    case '$nin':
      return !(operand as unknown[]).some((candidate) => looselyEqual(actual, candidate));
    case '$gt':
      return compare(actual, operand) > 0;
    case '$gte':
      return compare(actual, operand) >= 0;
    case '$lt':
      return compare(actual, operand) < 0;
    case '$lte':
      return compare(actual, operand) <= 0;
    case '$exists':
      return (actual !== undefined) === operand;
    case '$contains':
      if (Array.isArray(actual)) return actual.some((item) => looselyEqual(item, operand));
      return typeof actual === 'string' && actual.includes(String(operand));
    case '$startsWith':
      return typeof actual === 'string' && actual.startsWith(operand as string);
    case '$endsWith':
      return typeof actual === 'string' && actual.endsWith(operand as string);
    case '$regex':
      return (typeof actual === 'string' || typeof actual === 'number') && pattern(operand as string).matcher(String(actual)).find();
  }
}

/** Equality of primitives, where a number equals the string of its digits; arrays match if any item does. */
function looselyEqual(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(actual)) return actual.some((item) => looselyEqual(item, expected));
  if (actual === expected) return true;
  const comparable = (v: unknown) => typeof v === 'string' || typeof v === 'number';
  return comparable(actual) && comparable(expected) && String(actual) === String(expected);
}

/** NaN-safe ordering: numbers numerically (numeric strings included), other strings by text; otherwise "not comparable". */
function compare(actual: unknown, operand: unknown): number {
  if (typeof operand === 'number') {
    const value = typeof actual === 'number' ? actual : typeof actual === 'string' && actual.trim() !== '' ? Number(actual) : NaN;
    return Number.isNaN(value) ? Number.NaN : value - operand;
  }
  if (typeof actual === 'string' && typeof operand === 'string') return actual < operand ? -1 : actual > operand ? 1 : 0;
  return Number.NaN;
}

function pattern(source: string): RE2JS {
  let compiled = compiledPatterns.get(source);
  if (!compiled) {
    compiled = loadRe2().compile(source);
    if (compiledPatterns.size > 1000) compiledPatterns.clear();
    compiledPatterns.set(source, compiled);
  }
  return compiled;
}

function readPath(subject: FilterSubject, path: string): unknown {
  let current: unknown = subject;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = Object.hasOwn(current, part) ? (current as Record<string, unknown>)[part] : undefined;
  }
  return current;
}

function isLiteral(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
