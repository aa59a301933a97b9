import { withDataText } from '../../core/event-data.js';
import type { HookEvent, Subscription } from '../../core/model.js';
import * as plain from '../rows.js';
import { TABLES, type ColumnKind, type PlainRow, type TableName } from '../tables.js';

// Rows as SQLite returns them: JSON as text and flags as 0/1 (see tables.ts). They are decoded
// into the shared plain rows (rows.ts), which map to domain types.

/** A plain row's SQLite encoding: flags become integers, JSON values become text. */
type Encoded<T> = {
  [K in keyof T]: T[K] extends boolean ? number : T[K] extends string | number | null ? T[K] : null extends T[K] ? string | null : string;
};

export type DbTenant = Encoded<plain.TenantRow>;
export type DbApiKey = Encoded<plain.ApiKeyRow>;
export type DbEventType = Encoded<plain.EventTypeRow>;
export type DbSubscription = Encoded<plain.SubscriptionRow>;
export type DbEvent = Encoded<plain.EventRow>;
export type DbDelivery = Encoded<plain.DeliveryRow>;
export type DbAttempt = Encoded<plain.AttemptRow>;
export type DbAuditEntry = Encoded<plain.AuditEntryRow>;

// Column lists per table, looked up once: decoding is on the claim path.
const COLUMNS = new Map(TABLES.map((table) => [table.name, Object.entries(table.columns) as [string, ColumnKind][]]));

/** One column's value as SQLite stores it, as a plain value. */
function decodeValue(kind: ColumnKind, stored: unknown): unknown {
  const value = stored ?? null;
  return value === null ? null : kind === 'json' ? JSON.parse(value as string) : kind === 'boolean' ? value === 1 : value;
}

/** A SQLite row of `table` as plain values. */
export function decodeRow<T>(table: TableName, row: Record<string, unknown>): T {
  const decoded: PlainRow = {};
  for (const [column, kind] of COLUMNS.get(table)!) decoded[column] = decodeValue(kind, row[column]);
  return decoded as T;
}

// Rows read in raw mode (better-sqlite3's `raw()`: an array of values per row). Building an object
// per row, property by property, was half the cost of the delivery thread's hand-off read (4–6 µs
// a delivery against 2.5–3 µs: docs/performance.md, "14th session"), so the queue's hot reads
// select `selectList`'s columns and decode them by position.

/**
 * `table`'s columns as a SELECT (or RETURNING) list, each as `alias.column` (bare without an
 * alias), in the order `decodeValues` reads them; a raw row's further columns follow at
 * `columnCount(table)`.
 */
export function selectList(table: TableName, alias?: string): string {
  return COLUMNS.get(table)!.map(([column]) => (alias === undefined ? column : `${alias}.${column}`)).join(', ');
}

/** How many columns `selectList(table)` gives. */
export const columnCount = (table: TableName): number => COLUMNS.get(table)!.length;

/** A row of `table` read in raw mode (the values of `selectList`'s columns, in order) as plain values. */
export function decodeValues<T>(table: TableName, values: unknown[]): T {
  const columns = COLUMNS.get(table)!;
  const decoded: PlainRow = {};
  for (let i = 0; i < columns.length; i += 1) decoded[columns[i]![0]] = decodeValue(columns[i]![1], values[i]);
  return decoded as T;
}

/** A plain row of `table` as SQLite stores it. */
export function encodeRow(table: TableName, row: PlainRow): Record<string, unknown> {
  const encoded: Record<string, unknown> = {};
  for (const [column, kind] of COLUMNS.get(table)!) {
    const value = row[column] ?? null;
    encoded[column] = value === null ? null : kind === 'json' ? JSON.stringify(value) : kind === 'boolean' ? (value ? 1 : 0) : value;
  }
  return encoded;
}

export const toTenant = (row: DbTenant) => plain.toTenant(decodeRow('tenants', row));
export const toApiKey = (row: DbApiKey) => plain.toApiKey(decodeRow('api_keys', row));
export const toEventType = (row: DbEventType) => plain.toEventType(decodeRow('event_types', row));
export const toSubscription = (row: DbSubscription) => plain.toSubscription(decodeRow('subscriptions', row));
export const fromSubscription = (s: Subscription) => encodeRow('subscriptions', { ...plain.fromSubscription(s) }) as DbSubscription;
export const toEvent = (row: DbEvent) => plain.toEvent(decodeRow('events', row));
export const toDelivery = (row: DbDelivery) => plain.toDelivery(decodeRow('deliveries', row));
/** A delivery read in raw mode (`selectList('deliveries', …)` first). */
export const deliveryOfValues = (values: unknown[]) => plain.toDelivery(decodeValues('deliveries', values));

const EVENT_DATA = COLUMNS.get('events')!.findIndex(([column]) => column === 'data');

/**
 * An event read in raw mode (`selectList('events', …)` first) to be delivered: its data is parsed
 * only if something reads it (a native body embeds the stored text). Takes `values` over.
 */
export function eventForDeliveryOfValues(values: unknown[]): HookEvent {
  const text = (values[EVENT_DATA] as string | null) ?? 'null';
  values[EVENT_DATA] = null;
  return withDataText(plain.toEvent(decodeValues('events', values)), text);
}
export const toAttempt = (row: DbAttempt) => plain.toAttempt(decodeRow('attempts', row));
export const toAuditEntry = (row: DbAuditEntry) => plain.toAuditEntry(decodeRow('audit_log', row));
