import type { AttemptErrorClass } from '../core/attempt-error.js';
import type { Filter } from '../core/filter.js';
import type { ApiKey, Attempt, AuditEntry, Delivery, DeliveryStatus, EventType, HookEvent, Subscription, Task, TaskKind, Tenant } from '../core/model.js';
import type { Lease } from './store.js';

// Rows as plain values (JSON parsed, flags as booleans, times as epoch ms; see tables.ts) and their
// mapping to domain types. A store decodes its own column encodings into these shapes first.

export interface TenantRow {
  id: string;
  name: string;
  created_at: number;
}

export interface ApiKeyRow {
  id: string;
  tenant_id: string | null;
  name: string | null;
  scopes: string[];
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface AuditEntryRow {
  id: string;
  at: number;
  actor_kind: AuditEntry['actor']['kind'];
  actor_id: string;
  action: string;
  tenant_id: string | null;
  target_type: string;
  target_id: string | null;
  details: Record<string, unknown>;
}

export interface EventTypeRow {
  name: string;
  description: string;
  schema: Record<string, unknown> | null;
  example: Record<string, unknown> | null;
  created_at: number;
  updated_at: number;
}

export interface SubscriptionRow {
  id: string;
  tenant_id: string;
  url: string;
  event_types: string[];
  name: string | null;
  description: string | null;
  metadata: Record<string, string>;
  headers: Record<string, string>;
  filter: Filter | null;
  format: string;
  platform_data: Record<string, unknown>;
  active: boolean;
  disabled_reason: string | null;
  sealed_secret: string;
  previous_sealed_secret: string | null;
  previous_secret_expires_at: number | null;
  signing: string;
  retry_policy: { schedule_ms?: number[]; max_attempts?: number } | null;
  created_at: number;
  updated_at: number;
  application_id: string | null;
  uid: string | null;
  channels: string[] | null;
  ordering: string;
  rate_limit_per_second: number | null;
  max_in_flight: number | null;
}

export interface EventRow {
  tenant_id: string;
  id: string;
  type: string;
  data: unknown;
  resource_id: string | null;
  created_at: number;
  deliver_at: number | null;
  application_id: string | null;
  uid: string | null;
  channels: string[] | null;
  tags: string[] | null;
  ordering_key: string | null;
  trace_parent: string | null;
}

export interface DeliveryRow {
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

export interface AttemptRow {
  id: string;
  delivery_id: string;
  number: number;
  started_at: number;
  duration_ms: number;
  status_code: number | null;
  response_body: string | null;
  error_class: string | null;
  error_message: string | null;
  succeeded: boolean;
}

export const toTenant = (row: TenantRow): Tenant => ({ id: row.id, name: row.name, createdAt: row.created_at });

export const toApiKey = (row: ApiKeyRow): ApiKey => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  scopes: row.scopes,
  tokenHash: row.token_hash,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
});

export const fromApiKey = (key: ApiKey): ApiKeyRow => ({
  id: key.id,
  tenant_id: key.tenantId,
  name: key.name,
  scopes: key.scopes,
  token_hash: key.tokenHash,
  created_at: key.createdAt,
  last_used_at: key.lastUsedAt,
  revoked_at: key.revokedAt,
});

export const toAuditEntry = (row: AuditEntryRow): AuditEntry => ({
  id: row.id,
  at: row.at,
  actor: { kind: row.actor_kind, id: row.actor_id },
  action: row.action,
  tenantId: row.tenant_id,
  targetType: row.target_type,
  targetId: row.target_id,
  details: row.details,
});

export const fromAuditEntry = (e: AuditEntry): AuditEntryRow => ({
  id: e.id,
  at: e.at,
  actor_kind: e.actor.kind,
  actor_id: e.actor.id,
  action: e.action,
  tenant_id: e.tenantId,
  target_type: e.targetType,
  target_id: e.targetId,
  details: e.details,
});

export const toEventType = (row: EventTypeRow): EventType => ({
  name: row.name,
  description: row.description,
  schema: row.schema,
  example: row.example,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const fromEventType = (t: EventType): EventTypeRow => ({
  name: t.name,
  description: t.description,
  schema: t.schema,
  example: t.example,
  created_at: t.createdAt,
  updated_at: t.updatedAt,
});

export const toSubscription = (row: SubscriptionRow): Subscription => ({
  id: row.id,
  tenantId: row.tenant_id,
  url: row.url,
  eventTypes: row.event_types,
  name: row.name,
  description: row.description,
  metadata: row.metadata,
  headers: row.headers,
  filter: row.filter,
  format: row.format,
  platformData: row.platform_data,
  active: row.active,
  disabledReason: row.disabled_reason,
  sealedSecret: row.sealed_secret,
  previousSealedSecret: row.previous_sealed_secret,
  previousSecretExpiresAt: row.previous_secret_expires_at,
  signing: row.signing === 'ed25519' ? 'ed25519' : 'hmac',
  retryPolicy: row.retry_policy && { scheduleMs: row.retry_policy.schedule_ms ?? null, maxAttempts: row.retry_policy.max_attempts ?? null },
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  ...present({ applicationId: row.application_id, uid: row.uid, channels: row.channels }),
  ...(row.ordering === 'subscription' || row.ordering === 'key' ? { ordering: row.ordering } : {}),
  ...present({ rateLimitPerSecond: row.rate_limit_per_second, maxInFlight: row.max_in_flight }),
});

export const fromSubscription = (s: Subscription): SubscriptionRow => ({
  id: s.id,
  tenant_id: s.tenantId,
  url: s.url,
  event_types: s.eventTypes,
  name: s.name,
  description: s.description,
  metadata: s.metadata,
  headers: s.headers,
  filter: s.filter,
  format: s.format,
  platform_data: s.platformData,
  active: s.active,
  disabled_reason: s.disabledReason,
  sealed_secret: s.sealedSecret,
  previous_sealed_secret: s.previousSealedSecret,
  previous_secret_expires_at: s.previousSecretExpiresAt,
  signing: s.signing,
  retry_policy: s.retryPolicy && {
    ...(s.retryPolicy.scheduleMs ? { schedule_ms: s.retryPolicy.scheduleMs } : {}),
    ...(s.retryPolicy.maxAttempts ? { max_attempts: s.retryPolicy.maxAttempts } : {}),
  },
  created_at: s.createdAt,
  updated_at: s.updatedAt,
  application_id: s.applicationId ?? null,
  uid: s.uid ?? null,
  channels: s.channels ?? null,
  ordering: s.ordering ?? 'none',
  rate_limit_per_second: s.rateLimitPerSecond ?? null,
  max_in_flight: s.maxInFlight ?? null,
});

export const toEvent = (row: EventRow): HookEvent => ({
  tenantId: row.tenant_id,
  id: row.id,
  type: row.type,
  data: row.data,
  resourceId: row.resource_id,
  createdAt: row.created_at,
  deliverAt: row.deliver_at,
  ...present({
    applicationId: row.application_id,
    uid: row.uid,
    channels: row.channels,
    tags: row.tags,
    orderingKey: row.ordering_key,
    traceParent: row.trace_parent,
  }),
});

export const fromEvent = (e: HookEvent): EventRow => ({
  tenant_id: e.tenantId,
  id: e.id,
  type: e.type,
  data: e.data,
  resource_id: e.resourceId,
  created_at: e.createdAt,
  deliver_at: e.deliverAt,
  application_id: e.applicationId ?? null,
  uid: e.uid ?? null,
  channels: e.channels ?? null,
  tags: e.tags ?? null,
  ordering_key: e.orderingKey ?? null,
  trace_parent: e.traceParent ?? null,
});

export const toDelivery = (row: DeliveryRow): Delivery => ({
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

export const toAttempt = (row: AttemptRow): Attempt => ({
  id: row.id,
  deliveryId: row.delivery_id,
  number: row.number,
  startedAt: row.started_at,
  durationMs: row.duration_ms,
  statusCode: row.status_code,
  responseBody: row.response_body,
  errorClass: row.error_class as AttemptErrorClass | null,
  errorMessage: row.error_message,
  succeeded: row.succeeded,
});

export const fromAttempt = (a: Attempt): AttemptRow => ({
  id: a.id,
  delivery_id: a.deliveryId,
  number: a.number,
  started_at: a.startedAt,
  duration_ms: a.durationMs,
  status_code: a.statusCode,
  response_body: a.responseBody,
  error_class: a.errorClass,
  error_message: a.errorMessage,
  succeeded: a.succeeded,
});

/**
 * The optional fields of migration 0007 (application, uid, channels, tags) that hold a value: an
 * object that has none looks exactly as it did before they existed.
 */
function present<T extends Record<string, unknown>>(fields: T): Partial<{ [K in keyof T]: Exclude<T[K], null> }> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null && value !== undefined)) as Partial<{ [K in keyof T]: Exclude<T[K], null> }>;
}
export interface TaskRow {
  id: string;
  tenant_id: string;
  kind: string;
  request_key: string;
  status: string;
  params: Record<string, unknown>;
  progress: Record<string, number>;
  cursor: string | null;
  lease_owner: string | null;
  lease_until: number;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export const toTask = (row: TaskRow): Task => ({
  id: row.id,
  tenantId: row.tenant_id,
  kind: row.kind as TaskKind,
  status: row.status === 'done' ? 'done' : 'running',
  params: row.params,
  progress: row.progress,
  cursor: row.cursor,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  finishedAt: row.finished_at,
});

/** A new task's row under its request key: leased as given, or not yet (claimable at once). */
export const fromTask = (task: Task, requestKey: string, lease?: Lease): TaskRow => ({
  id: task.id,
  tenant_id: task.tenantId,
  kind: task.kind,
  request_key: requestKey,
  status: task.status,
  params: task.params,
  progress: task.progress,
  cursor: task.cursor,
  lease_owner: lease?.owner ?? null,
  lease_until: lease?.until ?? 0,
  created_at: task.createdAt,
  updated_at: task.updatedAt,
  finished_at: task.finishedAt,
});
