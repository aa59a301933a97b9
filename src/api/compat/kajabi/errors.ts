import { Type } from '../../../vendor/typebox.js';
import type { HookpostError } from '../../../core/errors.js';
import { distinctProblems, fieldOf, pointerOf, problemsOf, type PlatformError } from '../shared/errors.js';
import { JSON_API } from './hooks.js';

// Kajabi answers errors as JSON:API error objects `{ errors: [{ status, source?, title, detail }] }`.
const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};
const RENAMES = { '/url': '/data/attributes/target_url' };

/** A Hookpost error as a Kajabi JSON:API error document; each invalid field is its own error with a source pointer. */
export function kajabiError(error: HookpostError): PlatformError {
  const status = error.status;
  const title = TITLES[status] ?? 'Error';
  const problems = distinctProblems(problemsOf(error));
  const errors =
    status === 422 && problems.length > 0
      ? problems.map((problem) => ({
          status: '422',
          source: { pointer: pointerOf(problem, RENAMES) },
          title: 'Invalid attribute',
          detail: `${fieldOf(problem, RENAMES).split('.').pop()} ${problem.message}`,
        }))
      : [{ status: String(status), title, detail: error.code === 'internal' ? 'Something went wrong.' : error.message }];
  return { status, body: { errors }, contentType: JSON_API };
}

/** Kajabi's JSON:API error document. */
export const KajabiErrorBody = Type.Object({
  errors: Type.Array(
    Type.Object({
      status: Type.String(),
      title: Type.String(),
      detail: Type.String(),
      source: Type.Optional(Type.Object({ pointer: Type.String() })),
    }),
  ),
});
