import type Database from 'better-sqlite3';
import type { EpochMs } from '../../core/model.js';
import { readMigrations } from '../migration-files.js';
import type { DueBacklog } from '../store.js';
import { MIGRATIONS_DIR } from './sqlite-migrate.js';

/** Pending deliveries due by @now and the earliest due time: one range of deliveries_due per
 * subscription with due work, found by a loose index scan (as CLAIM_CANDIDATES finds them), so the
 * gauge needs no index of its own that every claim and outcome would have to update. In-flight
 * rows (due_at = lease expiry) and parked ones (of paused subscriptions) are not backlog. */
export const DUE_BACKLOG = `WITH RECURSIVE subs(id) AS (
     SELECT (SELECT subscription_id FROM deliveries WHERE due_at IS NOT NULL AND parked = 0 ORDER BY subscription_id LIMIT 1)
     UNION ALL
     SELECT (SELECT subscription_id FROM deliveries
             WHERE subscription_id > subs.id AND due_at IS NOT NULL AND parked = 0 ORDER BY subscription_id LIMIT 1)
     FROM subs WHERE subs.id IS NOT NULL
   )
   SELECT count(*) AS due, min(d.due_at) AS oldest FROM subs JOIN deliveries d ON d.subscription_id = subs.id
   WHERE d.due_at <= @now AND d.parked = 0 AND d.status = 'pending'`;

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

    dueBacklog(now: EpochMs): DueBacklog {
      const row = db.prepare(DUE_BACKLOG).get({ now }) as { due: number; oldest: number | null };
      return { due: row.due, oldestDueAt: row.oldest };
    },
  };
}
