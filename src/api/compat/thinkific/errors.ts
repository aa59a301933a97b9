import { Type } from '../../../vendor/typebox.js';
import type { HookpostError } from '../../../core/errors.js';
import { distinctProblems, fieldOf, problemsOf, type PlatformError } from '../shared/errors.js';

// Thinkific answers invalid fields as `{ errors: { field: message } }` (its examples:
// `{ "topic": "invalid format" }`, `{ "url": "is not valid" }`), a missing record as
// `{ error: "Record not found." }`, and other failures as `{ error }`.
const RENAMES = { '/url': '/url', '/target_url': '/url' };

/** A Hookpost error as Thinkific answers it. */
export function thinkificError(error: HookpostError): PlatformError {
  const problems = distinctProblems(problemsOf(error));
  if (error.status === 422 && problems.length > 0) {
    const errors: Record<string, string> = {};
    for (const problem of problems) {
      const field = fieldOf(problem, RENAMES);
      errors[field] ??= messageFor(field, problem.message);
    }
    return { status: 422, body: { errors } };
  }
  if (error.code === 'not_found') return { status: 404, body: { error: 'Record not found.' } };
  if (error.code === 'internal') return { status: 500, body: { error: 'Internal server error.' } };
  return { status: error.status, body: { error: error.message } };
}

function messageFor(field: string, message: string): string {
  if (message === 'is required') return "can't be blank";
  if (field === 'topic') return 'invalid format';
  if (field === 'url') return 'is not valid';
  return message;
}

/** Thinkific's error body: `{ error }`, or `{ errors: { field: message } }` for invalid fields. */
export const ThinkificErrorBody = Type.Union([
  Type.Object({ error: Type.String() }),
  Type.Object({ errors: Type.Record(Type.String(), Type.String()) }),
]);
