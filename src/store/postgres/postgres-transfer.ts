import { tableSpec, type PlainRow, type RowBatch, type TableName } from '../tables.js';
import type { PostgresDb } from './postgres-db.js';
import { placeholders, toParams } from './postgres-rows.js';

/** Rows of a table in primary-key order after `after`, a cursor holding the last row's key as JSON. */
export async function exportRows(db: PostgresDb, table: TableName, after: string | null, limit: number): Promise<RowBatch> {
  const { key, columns } = tableSpec(table);
  const keyList = key.join(', ');
  const afterKey = after === null ? null : (JSON.parse(after) as unknown[]);
  // A row comparison (a, b) > ($1, $2) walks the primary-key index from where the last batch ended.
  const where = afterKey === null ? '' : `WHERE (${keyList}) > (${placeholders(key.length, 2)})`;
  // The columns a copy carries, as SQLite's export gives them (state such as a circuit stays behind).
  const rows = await db.rows<PlainRow>(`SELECT ${Object.keys(columns).join(', ')} FROM ${table} ${where} ORDER BY ${keyList} LIMIT $1`, [limit, ...(afterKey ?? [])]);
  const last = rows[rows.length - 1];
  return { rows, next: rows.length === limit && last ? JSON.stringify(key.map((column) => last[column])) : null };
}

/** Inserts plain rows in one statement; rows whose key (or token hash) exists already are skipped. */
export async function importRows(db: PostgresDb, table: TableName, rows: PlainRow[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(tableSpec(table).columns);
  const values = rows.map((_, i) => `(${placeholders(columns.length, i * columns.length + 1)})`).join(', ');
  await db.rows(
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values} ON CONFLICT DO NOTHING`,
    rows.flatMap((row) => toParams(table, row, columns)),
  );
}
