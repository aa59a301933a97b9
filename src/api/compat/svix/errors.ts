import { Type } from '../../../vendor/typebox.js';
import type { HookpostError } from '../../../core/errors.js';
import { UID_TAKEN } from '../../../store/uids.js';
import { distinctProblems, problemsOf, type PlatformError } from '../shared/errors.js';

// Svix's error codes (its `HttpErrorOut.code`) for the statuses Hookpost answers.
const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'authentication_failed',
  403: 'insufficient_access',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  500: 'internal_server_error',
  501: 'not_implemented',
  503: 'service_unavailable',
};

/** Renames of the core's field names to Svix's (the core says `event_types`, Svix `filterTypes`/`eventTypes`). */
const RENAMES: Record<string, string> = { '/event_types': '/filterTypes', '/type': '/eventType', '/data': '/payload' };

/**
 * A Hookpost error in Svix's shapes: validation failures (422) as FastAPI's
 * `{ detail: [{ loc, msg, type }] }`, everything else as `{ code, detail }`. Never an empty body:
 * the SDK parses every answer but a 204.
 */
export function svixError(error: HookpostError): PlatformError {
  const problems = distinctProblems(problemsOf(error));
  // FastAPI (Svix's server) answers invalid query and path parameters with 422 as well.
  const invalidParameters = error.code === 'bad_request' && problems.some((p) => /^\/(query|params)\//.test(p.pointer));
  const status = invalidParameters ? 422 : error.status;
  if (status === 422) {
    const detail =
      problems.length > 0
        ? problems.map((problem) => ({ loc: locOf(problem.pointer), msg: problem.message, type: problem.reason ?? 'value_error' }))
        : [{ loc: ['body'], msg: error.message, type: 'value_error' }];
    return { status, body: { detail } };
  }
  const reason = (error.details as { reason?: string } | undefined)?.reason;
  const code = reason === UID_TAKEN ? 'conflict' : (CODES[status] ?? 'error');
  return { status, body: { code, detail: error.code === 'internal' ? 'Something went wrong.' : error.message } };
}

/** A JSON pointer into the request as FastAPI's `loc`: `['body', 'field', 0]`, or `['query', …]`, `['path', …]`. */
function locOf(pointer: string): (string | number)[] {
  const [first = '', ...rest] = pointer.split('/').filter(Boolean);
  const places: Record<string, string> = { query: 'query', params: 'path', headers: 'header' };
  const place = places[first] ?? 'body';
  const segments = places[first] ? rest : [first, ...rest].filter(Boolean);
  const renamed = (RENAMES[`/${segments[0] ?? ''}`] ?? `/${segments[0] ?? ''}`).slice(1);
  return [place, ...(renamed ? [renamed] : []), ...segments.slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')))];
}

/** Svix's error bodies: `HttpErrorOut` `{ code, detail }`, or `HTTPValidationError` `{ detail: [{ loc, msg, type }] }`. */
export const SvixErrorBody = Type.Union([
  Type.Object({ code: Type.String(), detail: Type.String() }),
  Type.Object({
    detail: Type.Array(Type.Object({ loc: Type.Array(Type.Union([Type.String(), Type.Integer()])), msg: Type.String(), type: Type.String() })),
  }),
]);
