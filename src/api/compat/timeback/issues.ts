import type { ErrorObject } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { HookpostError, type ErrorDetail } from '../../../core/errors.js';
import { createValidatorCompiler } from '../../validation.js';

/** One problem in Timeback's (zod-style) shape: `{ code, expected, received, path, message }`. */
export interface TimebackIssue {
  code: string;
  expected: string;
  received: string;
  path: string[];
  message: string;
}

/** A core error detail that also carries its Timeback issue. */
export type IssueDetail = ErrorDetail & { issue: TimebackIssue };

/**
 * Makes request validation under this plugin report what Timeback reports: for each field, the
 * zod-style issue (`invalid_type` with the expected and received types, `Required` when missing,
 * `unrecognized_keys`, `invalid_enum_value`). Needs ajv's verbose errors, so this plugin compiles
 * its own validators (bodies strict, no coercion; path and query text coerced as the native API does).
 */
export function installTimebackValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(createValidatorCompiler({ verbose: true }));
  app.setSchemaErrorFormatter((errors, dataVar) => {
    const details = issuesOf(errors as ErrorObject[]).map(
      (issue): IssueDetail => ({ pointer: `/${issue.path.join('/')}`, message: issue.message, issue }),
    );
    return new HookpostError(dataVar === 'body' ? 'validation_failed' : 'bad_request', `The request ${dataVar} is not valid.`, details);
  });
}

/** The issue a core problem stands for (service checks report JSON pointers), with Timeback's field names. */
export function issueOf(detail: ErrorDetail, renames: Record<string, string> = {}): TimebackIssue {
  const carried = (detail as Partial<IssueDetail>).issue;
  if (carried) return carried;
  const pointer = renames[detail.pointer] ?? detail.pointer;
  return {
    code: 'custom',
    expected: detail.reason ?? 'valid value',
    received: 'invalid value',
    path: pointer.split('/').filter(Boolean),
    message: detail.message,
  };
}

/** One issue per field, the most telling one: missing or unknown before wrong type before the rest. */
export function issuesOf(errors: ErrorObject[]): TimebackIssue[] {
  const byPath = new Map<string, { rank: number; issue: TimebackIssue }>();
  for (const error of errors) {
    const converted = convert(error);
    if (!converted) continue;
    const key = converted.issue.path.join('\u0000') + `\u0001${converted.issue.code === 'unrecognized_keys' ? converted.issue.received : ''}`;
    const existing = byPath.get(key);
    if (!existing || converted.rank < existing.rank) byPath.set(key, converted);
  }
  return [...byPath.values()].map((entry) => entry.issue);
}

function convert(error: ErrorObject): { rank: number; issue: TimebackIssue } | undefined {
  const path = error.instancePath.split('/').filter(Boolean).map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const property = String(params.missingProperty);
      const schema = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties?.[property];
      const expected = describe(schema);
      return { rank: 0, issue: { code: 'invalid_type', expected, received: 'undefined', path: [...path, property], message: 'Required' } };
    }
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      return { rank: 0, issue: { code: 'unrecognized_keys', expected: 'never', received: key, path, message: `Unrecognized key(s) in object: '${key}'` } };
    }
    case 'type':
    case 'anyOf': {
      // A union reports each branch's `type` error and then itself; the whole is what counts.
      if (error.keyword === 'type' && error.schemaPath.includes('/anyOf/')) return undefined;
      const expected = describe(error.parentSchema);
      const received = typeOf(error.data);
      return { rank: 1, issue: { code: 'invalid_type', expected, received, path, message: `Expected ${expected}, received ${received}` } };
    }
    case 'enum': {
      const options = (params.allowedValues as unknown[]).map((value) => `'${String(value)}'`).join(' | ');
      const received = String(error.data);
      return { rank: 1, issue: { code: 'invalid_enum_value', expected: options, received, path, message: `Invalid enum value. Expected ${options}, received '${received}'` } };
    }
    case 'minLength':
    case 'minItems':
      return { rank: 2, issue: { code: 'too_small', expected: String(params.limit), received: String(lengthOf(error.data)), path, message: capitalise(error.message) } };
    case 'maxLength':
    case 'maxItems':
      return { rank: 2, issue: { code: 'too_big', expected: String(params.limit), received: String(lengthOf(error.data)), path, message: capitalise(error.message) } };
    case 'pattern':
    case 'format':
      return { rank: 2, issue: { code: 'invalid_string', expected: String(params.pattern ?? params.format), received: typeOf(error.data), path, message: 'Invalid' } };
    default:
      return { rank: 3, issue: { code: 'custom', expected: error.keyword, received: typeOf(error.data), path, message: capitalise(error.message) } };
  }
}

/** The type a schema asks for, in zod's words (`string`, `string | null`, `'a' | 'b'`). */
function describe(schema: unknown): string {
  if (!schema || typeof schema !== 'object') return 'unknown';
  const s = schema as { type?: unknown; anyOf?: unknown[]; enum?: unknown[]; const?: unknown };
  if (Array.isArray(s.enum)) return s.enum.map((value) => `'${String(value)}'`).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (Array.isArray(s.anyOf)) return s.anyOf.map(describe).join(' | ');
  if (Array.isArray(s.type)) return s.type.join(' | ');
  if (typeof s.type === 'string') return s.type === 'integer' ? 'number' : s.type;
  return 'unknown';
}

/** What zod calls the type of a received value. */
function typeOf(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isNaN(value) ? 'nan' : 'number';
  return typeof value;
}

function lengthOf(value: unknown): number {
  return typeof value === 'string' || Array.isArray(value) ? value.length : 0;
}

function capitalise(message: string | undefined): string {
  const text = message ?? 'Invalid input';
  return text.charAt(0).toUpperCase() + text.slice(1);
}
