import { ConfigError } from '../config/config.js';
import { HookpostApiError, HookpostConnectionError } from '../client/index.js';

/** What a remote command's exit code means; scripts may rely on these. */
export const EXIT = {
  ok: 0,
  /** The server refused the request (a 4xx other than those below): bad input, conflict, invalid state. */
  refused: 1,
  /** Bad usage: a missing or malformed option, an unusable setting or profile. */
  usage: 2,
  /** The server could not be reached or could not answer (connection failure, 5xx, 503 after retries). */
  unavailable: 3,
  /** What was asked for does not exist (404). */
  notFound: 4,
  /** The token is missing, unknown or lacks the scope (401, 403). */
  unauthorized: 5,
} as const;

/** The exit code and message for an error a remote command ended with. */
export function describeFailure(error: unknown): { code: number; message: string } {
  if (error instanceof HookpostApiError) {
    const details = error.details === undefined ? '' : `\n${JSON.stringify(error.details, null, 2)}`;
    const message = `${error.code} (${error.status}): ${error.message}${details}`;
    if (error.status === 404) return { code: EXIT.notFound, message };
    if (error.status === 401 || error.status === 403) return { code: EXIT.unauthorized, message };
    if (error.status >= 500) return { code: EXIT.unavailable, message };
    return { code: EXIT.refused, message };
  }
  if (error instanceof HookpostConnectionError) return { code: EXIT.unavailable, message: error.message };
  if (error instanceof ConfigError || error instanceof UsageError) return { code: EXIT.usage, message: error.message };
  return { code: EXIT.unavailable, message: error instanceof Error ? error.message : String(error) };
}

/** A command was used wrongly (e.g. --data is not JSON). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
