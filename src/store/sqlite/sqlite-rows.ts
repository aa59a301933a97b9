import { withDataText } from '../../core/event-data.js';
import type { Subscription } from '../../core/model.js';
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

/** A SQLite row of `table` as plain values. */
export function decodeRow<T>(table: TableName, row: Record<string, unknown>): T {
  const decoded: PlainRow = {};
  for (const [column, kind] of COLUMNS.get(table)!) {
    const value = row[column] ?? null;
    decoded[column] = value === null ? null : kind === 'json' ? JSON.parse(value as string) : kind === 'boolean' ? value === 1 : value;
  }
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
/** An event read to be delivered: its data is parsed only if something reads it (a native body embeds the stored text). */
export const toEventForDelivery = (row: DbEvent) => withDataText(toEvent({ ...row, data: 'null' }), row.data ?? 'null');
export const toDelivery = (row: DbDelivery) => plain.toDelivery(decodeRow('deliveries', row));
export const toAttempt = (row: DbAttempt) => plain.toAttempt(decodeRow('attempts', row));
export const toAuditEntry = (row: DbAuditEntry) => plain.toAuditEntry(decodeRow('audit_log', row));
