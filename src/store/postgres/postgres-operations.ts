import type { EpochMs } from '../../core/model.js';
import { readMigrations } from '../migration-files.js';
import type { DueBacklog } from '../store.js';
import type { PostgresDb } from './postgres-db.js';
import { MIGRATIONS_DIR } from './postgres-migrate.js';

/** Pending deliveries due by $1 and the earliest due time: one range of deliveries_due per
 * subscription with due work, found by a loose index scan, so the gauge needs no index of its own
 * that every claim and outcome would have to update. In-flight rows (due_at = lease expiry) and
 * parked ones (of paused subscriptions) are not backlog. */
export const DUE_BACKLOG = `WITH RECURSIVE subs(id) AS (
     SELECT (SELECT subscription_id FROM deliveries WHERE due_at IS NOT NULL AND NOT parked ORDER BY subscription_id LIMIT 1)
     UNION ALL
     SELECT (SELECT subscription_id FROM deliveries
             WHERE subscription_id > subs.id AND due_at IS NOT NULL AND NOT parked ORDER BY subscription_id LIMIT 1)
     FROM subs WHERE subs.id IS NOT NULL
   )
   SELECT count(*)::int AS due, min(d.due_at) AS oldest FROM subs JOIN deliveries d ON d.subscription_id = subs.id
   WHERE d.due_at <= $1 AND NOT d.parked AND d.status = 'pending'`;

/** Migrations not yet applied to this database; querying it also proves it reachable. */
export async function pendingPostgresMigrations(db: PostgresDb): Promise<number> {
  const known = readMigrations(MIGRATIONS_DIR).map((m) => m.version);
  const [table] = await db.rows<{ exists: string | null }>(`SELECT to_regclass('schema_migrations')::text AS exists`);
  if (!table?.exists) return known.length;
  const applied = new Set((await db.rows<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version));
  return known.filter((version) => !applied.has(version)).length;
}

/** Pending deliveries due by `now`, and the earliest due time among them. */
export async function postgresDueBacklog(db: PostgresDb, now: EpochMs): Promise<DueBacklog> {
  const [row] = await db.rows<{ due: number; oldest: number | null }>(DUE_BACKLOG, [now]);
  return { due: row?.due ?? 0, oldestDueAt: row?.oldest ?? null };
}
