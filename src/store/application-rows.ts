import type { Application, IdempotentRequest, TenantEventType } from '../core/model.js';

// Plain rows (see tables.ts) of migration 0007's tables, and their mapping to domain types.

export interface ApplicationRow {
  id: string;
  tenant_id: string;
  uid: string | null;
  name: string;
  metadata: Record<string, string>;
  throttle_rate: number | null;
  created_at: number;
  updated_at: number;
}

export interface TenantEventTypeRow {
  tenant_id: string;
  name: string;
  description: string;
  schemas: Record<string, unknown> | null;
  archived: boolean;
  deprecated: boolean;
  feature_flags: string[] | null;
  group_name: string | null;
  created_at: number;
  updated_at: number;
}

export interface IdempotentRequestRow {
  tenant_id: string;
  key: string;
  fingerprint: string;
  state: string;
  status: number | null;
  body: string | null;
  created_at: number;
}

export const toApplication = (row: ApplicationRow): Application => ({
  id: row.id,
  tenantId: row.tenant_id,
  uid: row.uid,
  name: row.name,
  metadata: row.metadata,
  throttleRate: row.throttle_rate,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const fromApplication = (a: Application): ApplicationRow => ({
  id: a.id,
  tenant_id: a.tenantId,
  uid: a.uid,
  name: a.name,
  metadata: a.metadata,
  throttle_rate: a.throttleRate,
  created_at: a.createdAt,
  updated_at: a.updatedAt,
});

export const toTenantEventType = (row: TenantEventTypeRow): TenantEventType => ({
  tenantId: row.tenant_id,
  name: row.name,
  description: row.description,
  schemas: row.schemas,
  archived: row.archived,
  deprecated: row.deprecated,
  featureFlags: row.feature_flags,
  groupName: row.group_name,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const fromTenantEventType = (t: TenantEventType): TenantEventTypeRow => ({
  tenant_id: t.tenantId,
  name: t.name,
  description: t.description,
  schemas: t.schemas,
  archived: t.archived,
  deprecated: t.deprecated,
  feature_flags: t.featureFlags,
  group_name: t.groupName,
  created_at: t.createdAt,
  updated_at: t.updatedAt,
});

export const toIdempotentRequest = (row: IdempotentRequestRow): IdempotentRequest => ({
  tenantId: row.tenant_id,
  key: row.key,
  fingerprint: row.fingerprint,
  state: row.state === 'done' ? 'done' : 'pending',
  status: row.status,
  body: row.body,
  createdAt: row.created_at,
});

export const fromIdempotentRequest = (r: IdempotentRequest): IdempotentRequestRow => ({
  tenant_id: r.tenantId,
  key: r.key,
  fingerprint: r.fingerprint,
  state: r.state,
  status: r.status,
  body: r.body,
  created_at: r.createdAt,
});
