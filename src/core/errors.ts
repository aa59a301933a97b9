/**
 * The one catalogue of error codes. Every door (native API, compat platforms, CLI) maps these
 * codes to its own shape in one place; the HTTP status here is the native API's.
 */
export const ERROR_CATALOGUE = {
  bad_request: 400,
  validation_failed: 422,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unknown_event_type: 422,
  schema_violation: 422,
  forbidden_target: 422,
  invalid_state: 409,
  unavailable: 503,
  not_implemented: 501,
  internal: 500,
} as const;

/** A code from ERROR_CATALOGUE. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** One problem inside a request, located by a JSON pointer into the input it came from. */
export interface ErrorDetail {
  pointer: string;
  message: string;
  /** A machine-readable reason, for doors that map problems to their own codes. */
  reason?: string;
}

/** An expected failure with a catalogued code; anything thrown that is not one is a bug. */
export class HookpostError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[] | Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HookpostError';
  }

  /** The native HTTP status for this error's code. */
  get status(): number {
    return ERROR_CATALOGUE[this.code];
  }
}

/** Whether a value is a HookpostError (also across module copies). */
export function isHookpostError(value: unknown): value is HookpostError {
  return value instanceof HookpostError;
}

/**
 * Conditions an operator must fix before Hookpost can start, each with its own process exit
 * code (documented in docs/operations.md). Exit 1 is kept for a failure nobody foresaw.
 */
export const STARTUP_PROBLEMS = {
  unexpected: 1,
  invalid_setting: 2,
  database_url: 3,
  database_unreachable: 4,
  database_missing: 5,
  database_login: 6,
  schema_too_new: 7,
  port_in_use: 8,
  bad_host: 9,
  data_dir: 10,
  database_in_use: 11,
} as const;

/** A key of STARTUP_PROBLEMS. */
export type StartupProblem = keyof typeof STARTUP_PROBLEMS;

/** A start-up failure explained in one line: what is wrong and what to do. */
export class StartupError extends Error {
  constructor(
    readonly problem: StartupProblem,
    message: string,
  ) {
    super(message);
    this.name = 'StartupError';
  }

  /** The process exit code for this problem. */
  get exitCode(): number {
    return STARTUP_PROBLEMS[this.problem];
  }
}
