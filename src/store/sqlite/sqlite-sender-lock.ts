import type Database from 'better-sqlite3';
import { StartupError } from '../../core/errors.js';
import { openDatabase } from './native-handles.js';

/**
 * The lock that makes one process the only sender of a SQLite database.
 *
 * Why this mechanism: it is an exclusive lock held by SQLite (through better-sqlite3, which we
 * already ship) on a small side file `<database>.sender-lock`, in `locking_mode = EXCLUSIVE`.
 * SQLite takes it with the operating system's POSIX file locks, which the kernel drops the
 * moment the holding process dies, SIGKILL included. So there is no stale lock to detect: no
 * pid that may have been reused, no start time to compare, no timeout to wait out, and a
 * second process (or a second store in the same process: SQLite tracks its own locks per file)
 * is refused at once. A pid file or a lock row would need all of those liveness checks.
 */
export interface SenderLock {
  release(): void;
}

/** Takes the sender lock of the database at `databaseFile`, or throws StartupError('database_in_use'). */
export function takeSenderLock(databaseFile: string): SenderLock {
  const lockFile = `${databaseFile}.sender-lock`;
  const db: Database.Database = openDatabase(lockFile);
  try {
    db.prepare('PRAGMA busy_timeout = 0').get();
    db.prepare('PRAGMA locking_mode = EXCLUSIVE').get();
    // The first write takes the exclusive lock; locking_mode EXCLUSIVE keeps it until close.
    db.exec('BEGIN EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS sender (pid INTEGER NOT NULL, started_at INTEGER NOT NULL)');
    db.exec('DELETE FROM sender');
    db.prepare('INSERT INTO sender (pid, started_at) VALUES (?, ?)').run(process.pid, Date.now());
    db.exec('COMMIT');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY') || (error as { code?: string }).code?.startsWith('SQLITE_LOCKED')) {
      throw new StartupError(
        'database_in_use',
        `another Hookpost process is already sending from ${databaseFile} (it holds ${lockFile}): stop it first, or start this one with HOOKPOST_ROLE=api.`,
      );
    }
    throw error;
  }
  return { release: () => db.close() };
}
