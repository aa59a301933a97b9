import type { EpochMs } from '../../core/model.js';
import { readMigrations } from '../migration-files.js';
import type { DueBacklog } from '../store.js';
import type { PostgresDb } from './postgres-db.js';
import { MIGRATIONS_DIR } from './postgres-migrate.js';

// A range on the deliveries_backlog index; in-flight rows (due_at = lease expiry) and parked ones
// (of paused subscriptions) are not backlog.
const DUE_BACKLOG = `SELECT count(*)::int AS due, min(due_at) AS oldest FROM deliveries WHERE due_at <= $1 AND NOT parked AND status = 'pending'`;

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
