import type { ErrorCode } from '../core/errors.js';

/** What the server said went wrong: its HTTP status and the native error body. */
export class HookpostApiError extends Error {
  override readonly name = 'HookpostApiError';
  constructor(
    readonly status: number,
    /** A code of the server's error catalogue (`not_found`, `validation_failed`, …). */
    readonly code: ErrorCode,
    message: string,
    readonly details: unknown,
    /** Seconds the server asked to wait (429, 503), when it said. */
    readonly retryAfterSeconds: number | null,
  ) {
    super(message);
  }
}

/** The server could not be reached, or answered something that is not Hookpost's JSON. */
export class HookpostConnectionError extends Error {
  override readonly name = 'HookpostConnectionError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Whether `error` is an API error, optionally with the given code: `isApiError(e, 'not_found')`. */
export function isApiError(error: unknown, code?: ErrorCode): error is HookpostApiError {
  return error instanceof HookpostApiError && (code === undefined || error.code === code);
}
