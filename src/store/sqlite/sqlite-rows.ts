import type { AttemptErrorClass } from '../../core/attempt-error.js';
import type { Filter } from '../../core/filter.js';
import type {
  ApiKey,
  Attempt,
  AuditEntry,
  Delivery,
  DeliveryStatus,
  EventType,
  HookEvent,
  Subscription,
  Tenant,
} from '../../core/model.js';

// Row shapes as SQLite returns them, and their mapping to domain types. JSON is stored as text.

export interface DbTenant {
  id: string;
  name: string;
  created_at: number;
}

export interface DbApiKey {
  id: string;
  tenant_id: string | null;
  name: string | null;
  scopes: string;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface DbAuditEntry {
  id: string;
  at: number;
  actor_kind: AuditEntry['actor']['kind'];
  actor_id: string;
  action: string;
  tenant_id: string | null;
  target_type: string;
  target_id: string | null;
  details: string;
}

export interface DbEventType {
  name: string;
  description: string;
  schema: string | null;
  example: string | null;
  created_at: number;
  updated_at: number;
}

export interface DbSubscription {
  id: string;
  tenant_id: string;
  url: string;
  event_types: string;
  name: string | null;
  description: string | null;
  metadata: string;
  headers: string;
  filter: string | null;
  format: string;
  platform_data: string;
  active: number;
  disabled_reason: string | null;
  sealed_secret: string;
  created_at: number;
  updated_at: number;
}

export interface DbEvent {
  tenant_id: string;
  id: string;
  type: string;
  data: string;
  resource_id: string | null;
  created_at: number;
  deliver_at: number | null;
}

export interface DbDelivery {
  id: string;
  tenant_id: string;
  event_id: string;
  subscription_id: string;
  status: string;
  attempt_count: number;
  due_at: number | null;
  lease_owner: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface DbAttempt {
  id: string;
  delivery_id: string;
  number: number;
  started_at: number;
  duration_ms: number;
  status_code: number | null;
  response_body: string | null;
  error_class: string | null;
  error_message: string | null;
  succeeded: number;
}

const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

export const toTenant = (row: DbTenant): Tenant => ({ id: row.id, name: row.name, createdAt: row.created_at });

export const toApiKey = (row: DbApiKey): ApiKey => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  scopes: JSON.parse(row.scopes) as string[],
  tokenHash: row.token_hash,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
});

export const toAuditEntry = (row: DbAuditEntry): AuditEntry => ({
  id: row.id,
  at: row.at,
  actor: { kind: row.actor_kind, id: row.actor_id },
  action: row.action,
  tenantId: row.tenant_id,
  targetType: row.target_type,
  targetId: row.target_id,
  details: JSON.parse(row.details) as Record<string, unknown>,
});

export const toEventType = (row: DbEventType): EventType => ({
  name: row.name,
  description: row.description,
  schema: parse(row.schema),
  example: parse(row.example),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const toSubscription = (row: DbSubscription): Subscription => ({
  id: row.id,
  tenantId: row.tenant_id,
  url: row.url,
  eventTypes: JSON.parse(row.event_types) as string[],
  name: row.name,
  description: row.description,
  metadata: JSON.parse(row.metadata) as Record<string, string>,
  headers: JSON.parse(row.headers) as Record<string, string>,
  filter: parse<Filter>(row.filter),
  format: row.format,
  platformData: JSON.parse(row.platform_data) as Record<string, unknown>,
  active: row.active === 1,
  disabledReason: row.disabled_reason,
  sealedSecret: row.sealed_secret,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const fromSubscription = (s: Subscription): DbSubscription => ({
  id: s.id,
  tenant_id: s.tenantId,
  url: s.url,
  event_types: JSON.stringify(s.eventTypes),
  name: s.name,
  description: s.description,
  metadata: JSON.stringify(s.metadata),
  headers: JSON.stringify(s.headers),
  filter: s.filter === null ? null : JSON.stringify(s.filter),
  format: s.format,
  platform_data: JSON.stringify(s.platformData),
  active: s.active ? 1 : 0,
  disabled_reason: s.disabledReason,
  sealed_secret: s.sealedSecret,
  created_at: s.createdAt,
  updated_at: s.updatedAt,
});

export const toEvent = (row: DbEvent): HookEvent => ({
  tenantId: row.tenant_id,
  id: row.id,
  type: row.type,
  data: JSON.parse(row.data),
  resourceId: row.resource_id,
  createdAt: row.created_at,
  deliverAt: row.deliver_at,
});

export const toDelivery = (row: DbDelivery): Delivery => ({
  id: row.id,
  tenantId: row.tenant_id,
  eventId: row.event_id,
  subscriptionId: row.subscription_id,
  status: row.status as DeliveryStatus,
  attemptCount: row.attempt_count,
  nextAttemptAt: row.status === 'pending' ? row.due_at : null,
  lastStatusCode: row.last_status_code,
  lastError: row.last_error,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const toAttempt = (row: DbAttempt): Attempt => ({
  id: row.id,
  deliveryId: row.delivery_id,
  number: row.number,
  startedAt: row.started_at,
  durationMs: row.duration_ms,
  statusCode: row.status_code,
  responseBody: row.response_body,
  errorClass: row.error_class as AttemptErrorClass | null,
  errorMessage: row.error_message,
  succeeded: row.succeeded === 1,
});
