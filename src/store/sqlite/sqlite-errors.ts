import { HookpostError } from '../../core/errors.js';

// SQLite result codes after which the same write may well succeed later: the disk filled up,
// it failed to write, or another process held the file past busy_timeout. Prefixes, because
// better-sqlite3 reports extended codes (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT, …).
const TRANSIENT: ReadonlyArray<readonly [string, string]> = [
  ['SQLITE_FULL', 'The disk holding the database is full; try again once space is freed.'],
  ['SQLITE_IOERR', 'The database could not write to its disk; try again shortly.'],
  ['SQLITE_BUSY', 'The database is busy; try again shortly.'],
];

/**
 * What a SQLite error means to the caller: a transient one is `unavailable` (503 with
 * Retry-After, nothing acknowledged, so the client retries), anything else stays a bug.
 */
export function toSqliteStoreError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error;
  const transient = TRANSIENT.find(([prefix]) => code.startsWith(prefix));
  return transient ? new HookpostError('unavailable', transient[1], { retry_after: 5 }) : error;
}
