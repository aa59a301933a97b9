import type Database from 'better-sqlite3';
import type { EpochMs } from '../../core/model.js';
import { readMigrations } from '../migration-files.js';
import type { DueBacklog } from '../store.js';
import { MIGRATIONS_DIR } from './sqlite-migrate.js';

/** What /readyz and /metrics read from SQLite. */
export function createSqliteOperations(db: Database.Database) {
  return {
    pendingMigrations(): number {
      const known = readMigrations(MIGRATIONS_DIR).map((m) => m.version);
      const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
      if (!table) return known.length;
      const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
      return known.filter((version) => !applied.has(version)).length;
    },

    // A range on the deliveries_backlog index; in-flight rows (due_at = lease expiry) and parked ones
    // (of paused subscriptions) are not backlog.
    dueBacklog(now: EpochMs): DueBacklog {
      const row = db
        .prepare("SELECT count(*) AS due, min(due_at) AS oldest FROM deliveries WHERE due_at <= ? AND parked = 0 AND status = 'pending'")
        .get(now) as { due: number; oldest: number | null };
      return { due: row.due, oldestDueAt: row.oldest };
    },
  };
}
