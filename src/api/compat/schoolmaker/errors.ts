import { Type } from '../../../vendor/typebox.js';
import type { HookpostError } from '../../../core/errors.js';
import { distinctProblems, fieldOf, problemsOf, type PlatformError } from '../shared/errors.js';

// SchoolMaker documents one error shape, `{ "error": "message or array of messages" }`.
const RENAMES = { '/url': '/webhook_url' };
const MESSAGES: Record<string, string> = {
  'must be equal to one of the allowed values': 'is not included in the list',
  'is required': "can't be blank",
};

/** A Hookpost error as SchoolMaker answers it: field problems as a list of messages, anything else as one. */
export function schoolmakerError(error: HookpostError): PlatformError {
  const problems = distinctProblems(problemsOf(error));
  if (error.status === 422 && problems.length > 0) {
    return {
      status: 422,
      body: { error: problems.map((problem) => `${fieldOf(problem, RENAMES)} ${MESSAGES[problem.message] ?? problem.message}`) },
    };
  }
  if (error.code === 'internal') return { status: 500, body: { error: 'Internal server error' } };
  return { status: error.status, body: { error: error.message } };
}

/** SchoolMaker's error body: one message, or a list of them for invalid fields. */
export const SchoolMakerErrorBody = Type.Object({ error: Type.Union([Type.String(), Type.Array(Type.String())]) });
