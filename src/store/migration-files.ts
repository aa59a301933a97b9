import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

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
