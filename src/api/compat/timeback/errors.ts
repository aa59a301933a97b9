import { Type } from '../../../vendor/typebox.js';
import type { HookpostError } from '../../../core/errors.js';
import { problemsOf, type ErrorMapper, type PlatformError } from '../shared/errors.js';
import { issueOf } from './issues.js';

// Timeback answers webhook create/update problems as `{ error, details: [zod issues] }` (its
// OpenAPI 400), and everything else (filters, deletes, Caliper ingest, missing webhooks) as
// `{ status: "error", message, errors }`. Credentials fail as `{ error: "Unauthorized" | "Forbidden" }`.

const RENAMES = { '/url': '/targetUrl' };

const STATUS: Partial<Record<HookpostError['code'], number>> = {
  bad_request: 400,
  validation_failed: 400,
  schema_violation: 400,
  unknown_event_type: 400,
  forbidden_target: 400,
  not_found: 404,
  conflict: 409,
  invalid_state: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
};

/** Errors of the webhook routes: request problems in the `{ error, details }` shape. */
export const mapWebhookError: ErrorMapper = (error) => {
  const common = credentialError(error);
  if (common) return common;
  if (statusOf(error) === 400) {
    return { status: 400, body: { error: 'Invalid webhook data', details: problemsOf(error).map((detail) => issueOf(detail, RENAMES)) } };
  }
  return mapStatusError(error);
};

/** Errors of every other Timeback route: `{ status: "error", message, errors }`. */
export const mapStatusError: ErrorMapper = (error) => {
  const common = credentialError(error);
  if (common) return common;
  const status = statusOf(error);
  if (status === 500) return { status, body: { status: 'error', message: 'Internal server error', errors: null } };
  const problems = problemsOf(error);
  const errors = problems.length > 0 ? problems.map((detail) => issueOf(detail, RENAMES)) : null;
  return { status, body: { status: 'error', message: error.message, errors } };
};

function credentialError(error: HookpostError): PlatformError | undefined {
  if (error.code === 'unauthorized') return { status: 401, body: { error: 'Unauthorized' } };
  if (error.code === 'forbidden') return { status: 403, body: { error: 'Forbidden' } };
  return undefined;
}

function statusOf(error: HookpostError): number {
  return STATUS[error.code] ?? 500;
}

const Issue = Type.Object({ code: Type.String(), path: Type.Array(Type.Union([Type.String(), Type.Number()])), message: Type.String() }, { additionalProperties: true });

/** Timeback's error bodies: webhook request problems, every other failure, and refused credentials. */
export const TimebackErrorBody = Type.Union([
  Type.Object({ error: Type.String(), details: Type.Array(Issue) }),
  Type.Object({ status: Type.Literal('error'), message: Type.String(), errors: Type.Union([Type.Array(Issue), Type.Null()]) }),
  Type.Object({ error: Type.String() }),
]);
