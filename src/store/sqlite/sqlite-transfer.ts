import type Database from 'better-sqlite3';
import { tableSpec, type PlainRow, type RowBatch, type TableName } from '../tables.js';

/** Rows of a table in rowid order (every table here has one), decoded to plain values; the cursor is the last rowid. */
export function exportSqliteRows(db: Database.Database, table: TableName, after: string | null, limit: number): RowBatch {
  const { columns } = tableSpec(table);
  const raw = db
    .prepare(`SELECT rowid AS rowid_, * FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT ?`)
    .all(after === null ? 0 : Number(after), limit) as Record<string, unknown>[];
  const rows = raw.map((row) => {
    const plain: PlainRow = {};
    for (const [column, kind] of Object.entries(columns)) {
      const value = row[column] ?? null;
      plain[column] = value === null ? null : kind === 'json' ? JSON.parse(value as string) : kind === 'boolean' ? value === 1 : value;
    }
    return plain;
  });
  const last = raw[raw.length - 1];
  return { rows, next: raw.length === limit && last ? String(last.rowid_) : null };
}

/** Inserts plain rows in one transaction, encoding JSON as text and flags as 0/1; existing keys are skipped. */
export function importSqliteRows(db: Database.Database, table: TableName, rows: PlainRow[]): void {
  const columns = Object.entries(tableSpec(table).columns);
  const insert = db.prepare(`INSERT OR IGNORE INTO ${table} (${columns.map(([c]) => c).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
  db.transaction(() => {
    for (const row of rows) {
      insert.run(
        columns.map(([column, kind]) => {
          const value = row[column] ?? null;
          return value === null ? null : kind === 'json' ? JSON.stringify(value) : kind === 'boolean' ? (value ? 1 : 0) : value;
        }),
      );
    }
  })();
}
