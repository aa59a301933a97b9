import { Type } from '../../../vendor/typebox.js';
import type { ErrorMapper } from '../shared/errors.js';
import { fieldOf, isUnknownRoute, problemsOf } from '../shared/errors.js';

// Fourthwall answers `{ code, …context }`. The three URI codes are documented for create; the
// others (validation, credentials, missing webhook) follow its other endpoints' codes.

const URI_CODES: Record<string, string> = {
  forbidden_address: 'WEBHOOK_URI_IP_NOT_ALLOWED',
  port_not_allowed: 'WEBHOOK_URI_PORT_NOT_ALLOWED',
  domain_not_allowed: 'WEBHOOK_URI_UNALLOWED_DOMAIN',
};

/** Maps Hookpost errors to Fourthwall's `{ code }` bodies. */
export const fourthwallError: ErrorMapper = (error) => {
  const problems = problemsOf(error);
  const uriCode = problems.map((problem) => URI_CODES[problem.reason ?? '']).find(Boolean);
  if (uriCode) return { status: 400, body: { code: uriCode } };
  const context = Array.isArray(error.details) ? {} : (error.details ?? {});
  switch (error.code) {
    case 'unauthorized':
      return { status: 401, body: { code: 'UNAUTHORIZED' } };
    case 'forbidden':
      return { status: 403, body: { code: 'FORBIDDEN' } };
    case 'not_found':
      // A route that does not exist is not a missing webhook configuration.
      if (isUnknownRoute(error)) return { status: 404, body: { code: 'NOT_FOUND', message: error.message } };
      return { status: 404, body: { code: 'WEBHOOK_CONFIGURATION_NOT_FOUND', ...context } };
    case 'rate_limited':
      return { status: 429, body: { code: 'TOO_MANY_REQUESTS', message: error.message } };
    case 'internal':
    case 'unavailable':
      return { status: error.code === 'internal' ? 500 : 503, body: { code: 'INTERNAL_ERROR' } };
    default:
      return {
        status: error.code === 'payload_too_large' ? 413 : error.code === 'unsupported_media_type' ? 415 : 400,
        body: { code: 'VALIDATION_ERROR', message: error.message, errors: problems.map((problem) => ({ field: fieldOf(problem), message: problem.message })) },
      };
  }
};

/** Fourthwall's error body: a code, with a message and the invalid fields where it has them. */
export const FourthwallErrorBody = Type.Object(
  {
    code: Type.String(),
    message: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { additionalProperties: true },
);
