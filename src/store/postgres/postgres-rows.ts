import { tableSpec, type PlainRow, type TableName } from '../tables.js';

// pg already hands back plain rows (tables.ts): jsonb/json parsed, booleans, and bigint as numbers
// (see postgres-db.ts). Only parameters need encoding on the way in.

/**
 * The parameter for one column value. JSON columns are sent as JSON text: pg would turn a
 * JavaScript array into a PostgreSQL array literal, which is not JSON.
 */
export function toParam(table: TableName, column: string, value: unknown): unknown {
  const kind = (tableSpec(table).columns as Record<string, string>)[column];
  if (kind === undefined) throw new Error(`${table} has no column ${column}`);
  if (kind === 'json') return value === null || value === undefined ? null : JSON.stringify(value);
  return value;
}

/** The parameters for `columns` of a plain row, in that order. */
export function toParams(table: TableName, row: PlainRow, columns: readonly string[]): unknown[] {
  return columns.map((column) => toParam(table, column, row[column]));
}

/** `$first, $first+1, …` for `count` parameters. */
export function placeholders(count: number, first = 1): string {
  return Array.from({ length: count }, (_, i) => `$${first + i}`).join(', ');
}

/**
 * PostgreSQL text cannot hold NUL. Receivers' answers are stored as they came, so a NUL there
 * becomes U+FFFD rather than an error that would keep the outcome from ever being recorded.
 */
export function storableText(text: string | null): string | null {
  return text === null ? null : text.replaceAll('\u0000', '\ufffd');
}
