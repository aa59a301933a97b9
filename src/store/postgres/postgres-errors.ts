import { HookpostError } from '../../core/errors.js';

/**
 * Errors after which the same statement may well succeed if tried again shortly: SQLSTATE codes
 * and socket error codes. A lookup table, so that adding one is a one-line change.
 */
const RETRYABLE_CODES: Readonly<Record<string, string>> = {
  '40001': 'serialization failure',
  '40P01': 'deadlock detected',
  '57P01': 'server shutting down (admin shutdown)',
  '57P02': 'server crashed (crash shutdown)',
  '57P03': 'server starting up or shutting down (cannot connect now)',
  '53300': 'too many connections',
  '08000': 'connection exception',
  '08001': 'could not establish a connection',
  '08003': 'connection does not exist',
  '08004': 'server rejected the connection',
  '08006': 'connection failure',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'broken pipe',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EAI_AGAIN: 'name lookup failed for now',
};

// pg reports a connection lost mid-query, or a pool that could not connect in time, without a code.
// "cached plan must not change result type": a migration changed a table under a named statement;
// the failed connection is dropped, and the retry prepares the statement afresh on another.
const RETRYABLE_MESSAGES = /Connection terminated|not queryable|timeout exceeded when trying to connect|connection timeout|cached plan must not change result type/i;

/** Why an error is worth retrying, or null when it is not (a constraint violation, a bug). */
export function retryableReason(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code in RETRYABLE_CODES) return RETRYABLE_CODES[code]!;
  // Node reports a refused connection to a host with several addresses as an AggregateError.
  if (error instanceof AggregateError) return error.errors.map(retryableReason).find((reason) => reason !== null) ?? null;
  return RETRYABLE_MESSAGES.test(error.message) ? error.message : null;
}

/** Whether the error cost us the connection, so the client must not go back to the pool. */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const reason = retryableReason(error);
  return reason !== null && code !== '40001' && code !== '40P01';
}

/**
 * What a store error means to the caller once retries are spent: an unreachable database is
 * `unavailable` (503 with Retry-After, so clients retry later); text PostgreSQL cannot store (a NUL
 * character, an invalid escape: SQLSTATE class 22) is the request's fault; anything else is a bug.
 */
export function toStoreError(error: unknown): unknown {
  if (retryableReason(error) !== null) {
    return new HookpostError('unavailable', 'The database cannot be reached right now; try again shortly.', { retry_after: 1 });
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('22')) {
    return new HookpostError('bad_request', 'The request holds a value the database cannot store (such as a NUL character).');
  }
  return error;
}
