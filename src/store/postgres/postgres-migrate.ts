import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMigrations, refuseNewerSchema } from '../migration-files.js';
import type { PostgresDb } from './postgres-db.js';

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

// Any constant will do, as long as every Hookpost process uses the same one (and nothing else does).
const MIGRATION_LOCK_KEY = 0x686f6f6b; // "hook"

/**
 * Applies the migrations this database has not seen, each in its own transaction, while holding a
 * session advisory lock: processes starting together queue on the lock, and each one that gets it
 * after the first finds nothing left to do.
 */
export async function migratePostgres(db: PostgresDb): Promise<void> {
  await db.session(async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)',
      );
      const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      const migrations = readMigrations(MIGRATIONS_DIR);
      refuseNewerSchema(applied, migrations);
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
            migration.version,
            migration.name,
            Date.now(),
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  });
}
