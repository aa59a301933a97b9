/**
 * The tables every store keeps, described without SQL: their columns, what kind of value each
 * holds and their keys. Stores use it to turn their own column encodings into plain rows and
 * back, and `migrate-store` uses it to copy a whole database table by table.
 */

/** How a column travels between stores: JSON columns hold parsed values, flags are booleans, times are epoch ms. */
export type ColumnKind = 'text' | 'integer' | 'json' | 'boolean';

/** One table: its name, its primary-key columns and every column's kind. */
export interface TableSpec {
  readonly name: TableName;
  readonly key: readonly string[];
  readonly columns: Readonly<Record<string, ColumnKind>>;
}

/** A row as plain values: strings, numbers, booleans, parsed JSON or null. */
export type PlainRow = Record<string, unknown>;

/** The tables in dependency order: each comes after every table it references. */
export const TABLES = [
  { name: 'tenants', key: ['id'], columns: { id: 'text', name: 'text', created_at: 'integer', deleted_at: 'integer' } },
  {
    name: 'api_keys',
    key: ['id'],
    columns: {
      id: 'text',
      tenant_id: 'text',
      name: 'text',
      scopes: 'json',
      token_hash: 'text',
      created_at: 'integer',
      last_used_at: 'integer',
      revoked_at: 'integer',
    },
  },
  {
    name: 'event_types',
    key: ['name'],
    columns: { name: 'text', description: 'text', schema: 'json', example: 'json', created_at: 'integer', updated_at: 'integer' },
  },
  {
    name: 'applications',
    key: ['id'],
    columns: {
      id: 'text',
      tenant_id: 'text',
      uid: 'text',
      name: 'text',
      metadata: 'json',
      throttle_rate: 'integer',
      created_at: 'integer',
      updated_at: 'integer',
    },
  },
  {
    name: 'subscriptions',
    key: ['id'],
    columns: {
      id: 'text',
      tenant_id: 'text',
      url: 'text',
      event_types: 'json',
      name: 'text',
      description: 'text',
      metadata: 'json',
      headers: 'json',
      filter: 'json',
      format: 'text',
      platform_data: 'json',
      active: 'boolean',
      disabled_reason: 'text',
      sealed_secret: 'text',
      previous_sealed_secret: 'text',
      previous_secret_expires_at: 'integer',
      signing: 'text',
      retry_policy: 'json',
      created_at: 'integer',
      updated_at: 'integer',
      deleted_at: 'integer',
      application_id: 'text',
      uid: 'text',
      channels: 'json',
      ordering: 'text',
      rate_limit_per_second: 'integer',
      max_in_flight: 'integer',
    },
  },
  {
    name: 'subscription_event_types',
    key: ['tenant_id', 'event_type', 'subscription_id'],
    columns: { tenant_id: 'text', event_type: 'text', subscription_id: 'text' },
  },
  {
    name: 'events',
    key: ['tenant_id', 'id'],
    columns: {
      tenant_id: 'text',
      id: 'text',
      type: 'text',
      data: 'json',
      resource_id: 'text',
      created_at: 'integer',
      deliver_at: 'integer',
      application_id: 'text',
      uid: 'text',
      channels: 'json',
      tags: 'json',
      ordering_key: 'text',
      trace_parent: 'text',
    },
  },
  {
    name: 'deliveries',
    key: ['id'],
    columns: {
      id: 'text',
      tenant_id: 'text',
      event_id: 'text',
      subscription_id: 'text',
      status: 'text',
      attempt_count: 'integer',
      due_at: 'integer',
      lease_owner: 'text',
      last_status_code: 'integer',
      last_error: 'text',
      created_at: 'integer',
      updated_at: 'integer',
      parked: 'boolean',
      ordering_key: 'text',
    },
  },
  {
    name: 'attempts',
    key: ['id'],
    columns: {
      id: 'text',
      delivery_id: 'text',
      number: 'integer',
      started_at: 'integer',
      duration_ms: 'integer',
      status_code: 'integer',
      response_body: 'text',
      error_class: 'text',
      error_message: 'text',
      succeeded: 'boolean',
    },
  },
  {
    name: 'tenant_event_types',
    key: ['tenant_id', 'name'],
    columns: {
      tenant_id: 'text',
      name: 'text',
      description: 'text',
      schemas: 'json',
      archived: 'boolean',
      deprecated: 'boolean',
      feature_flags: 'json',
      group_name: 'text',
      created_at: 'integer',
      updated_at: 'integer',
    },
  },
  {
    name: 'idempotency_keys',
    key: ['tenant_id', 'key'],
    columns: { tenant_id: 'text', key: 'text', fingerprint: 'text', state: 'text', status: 'integer', body: 'text', created_at: 'integer' },
  },
  {
    name: 'tasks',
    key: ['id'],
    columns: {
      id: 'text',
      tenant_id: 'text',
      kind: 'text',
      request_key: 'text',
      status: 'text',
      params: 'json',
      progress: 'json',
      cursor: 'text',
      lease_owner: 'text',
      lease_until: 'integer',
      created_at: 'integer',
      updated_at: 'integer',
      finished_at: 'integer',
    },
  },
  {
    name: 'audit_log',
    key: ['id'],
    columns: {
      id: 'text',
      at: 'integer',
      actor_kind: 'text',
      actor_id: 'text',
      action: 'text',
      tenant_id: 'text',
      target_type: 'text',
      target_id: 'text',
      details: 'json',
    },
  },
] as const satisfies readonly { name: string; key: readonly string[]; columns: Record<string, ColumnKind> }[];

/** The name of one of TABLES. */
export type TableName = (typeof TABLES)[number]['name'];

/** The spec of a table by name. */
export function tableSpec(name: TableName): TableSpec {
  return TABLES.find((table) => table.name === name)!;
}

/** A page of one table's rows in key order, and where the next page starts (null after the last). */
export interface RowBatch {
  rows: PlainRow[];
  next: string | null;
}
