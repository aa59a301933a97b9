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

/** A command was used wrongly (e.g. --data is not JSON). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
