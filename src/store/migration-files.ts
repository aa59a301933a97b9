import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { StartupError } from '../core/errors.js';

/** One numbered migration: `NNNN_name.sql`, never edited once released. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The numbered `.sql` files of a dialect's migrations folder, in order. Both dialects share the numbering. */
export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({ version: Number(file.slice(0, 4)), name: file, sql: readFileSync(path.join(dir, file), 'utf8') }));
}

/**
 * Refuses a database that a newer Hookpost has migrated: this code would run on tables it does
 * not know, and could undo or corrupt what the newer version relies on.
 */
export function refuseNewerSchema(applied: Iterable<number>, migrations: Migration[]): void {
  const known = Math.max(0, ...migrations.map((m) => m.version));
  const newest = Math.max(0, ...applied);
  if (newest > known) {
    throw new StartupError(
      'schema_too_new',
      `the database has schema version ${newest}, newer than this Hookpost knows (${known}): run the newer Hookpost release, or point HOOKPOST_DATABASE_URL at another database.`,
    );
  }
}
