import type Database from 'better-sqlite3';
import type { PlainRow, RowBatch, TableName } from '../tables.js';
import { decodeRow, encodeRow } from './sqlite-rows.js';

/** Rows of a table in rowid order (every table here has one), as plain values; the cursor is the last rowid. */
export function exportSqliteRows(db: Database.Database, table: TableName, after: string | null, limit: number): RowBatch {
  const raw = db
    .prepare(`SELECT rowid AS rowid_, * FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT ?`)
    .all(after === null ? 0 : Number(after), limit) as Record<string, unknown>[];
  const last = raw[raw.length - 1];
  return { rows: raw.map((row) => decodeRow<PlainRow>(table, row)), next: raw.length === limit && last ? String(last.rowid_) : null };
}

/** Inserts plain rows in one transaction; rows whose key exists already are skipped. */
export function importSqliteRows(db: Database.Database, table: TableName, rows: PlainRow[]): void {
  if (rows.length === 0) return;
  const columns = Object.keys(encodeRow(table, {}));
  const insert = db.prepare(`INSERT OR IGNORE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => '@' + c).join(', ')})`);
  db.transaction(() => {
    for (const row of rows) insert.run(encodeRow(table, row));
  })();
}
