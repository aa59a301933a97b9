import type { ApiKey, AuditEntry, DeliveryWithAttempts, EventType, HookEvent, Page, Tenant } from '../core/model.js';
import type { SubscriptionView } from '../service/subscriptions.js';

// Domain objects as the native API shows them: snake_case fields, RFC 3339 times.

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export const presentTenant = (t: Tenant) => ({ id: t.id, name: t.name, created_at: iso(t.createdAt) });

/** A key as lists show it: never its token, which is not kept. */
export const presentApiKeyInfo = (k: ApiKey) => ({
  id: k.id,
  tenant_id: k.tenantId,
  name: k.name,
  scopes: k.scopes,
  created_at: iso(k.createdAt),
  last_used_at: isoOrNull(k.lastUsedAt),
  revoked_at: isoOrNull(k.revokedAt),
});

/** A key just created, with its token (shown this once). */
export const presentApiKey = (k: ApiKey, token: string) => ({ ...presentApiKeyInfo(k), key: token });

export const presentAuditEntry = (e: AuditEntry) => ({
  id: e.id,
  at: iso(e.at),
  actor: e.actor,
  action: e.action,
  tenant_id: e.tenantId,
  target_type: e.targetType,
  target_id: e.targetId,
  details: e.details,
});

export const presentEventType = (t: EventType) => ({
  name: t.name,
  description: t.description,
  schema: t.schema,
  example: t.example,
  created_at: iso(t.createdAt),
  updated_at: iso(t.updatedAt),
});

export const presentSubscription = (s: SubscriptionView) => ({
  id: s.id,
  tenant_id: s.tenantId,
  url: s.url,
  event_types: s.eventTypes,
  name: s.name,
  description: s.description,
  metadata: s.metadata,
  headers: s.headers,
  filter: s.filter,
  active: s.active,
  disabled_reason: s.disabledReason,
  signing: s.signing,
  retry_policy: s.retryPolicy && {
    ...(s.retryPolicy.scheduleMs ? { schedule_ms: s.retryPolicy.scheduleMs } : {}),
    ...(s.retryPolicy.maxAttempts ? { max_attempts: s.retryPolicy.maxAttempts } : {}),
  },
  ordering: s.ordering ?? 'none',
  ...(s.publicKey === undefined ? {} : { public_key: s.publicKey }),
  created_at: iso(s.createdAt),
  updated_at: iso(s.updatedAt),
  ...(s.secret === undefined ? {} : { secret: s.secret }),
});

export const presentEvent = (e: HookEvent) => ({
  id: e.id,
  type: e.type,
  data: e.data,
  resource_id: e.resourceId,
  created_at: iso(e.createdAt),
  deliver_at: isoOrNull(e.deliverAt),
  ordering_key: e.orderingKey ?? null,
});

export const presentDelivery = (d: DeliveryWithAttempts) => ({
  id: d.id,
  event_id: d.eventId,
  subscription_id: d.subscriptionId,
  status: d.status,
  attempt_count: d.attemptCount,
  next_attempt_at: isoOrNull(d.nextAttemptAt),
  last_status_code: d.lastStatusCode,
  last_error: d.lastError,
  created_at: iso(d.createdAt),
  updated_at: iso(d.updatedAt),
  attempts: d.attempts.map((a) => ({
    id: a.id,
    number: a.number,
    started_at: iso(a.startedAt),
    duration_ms: a.durationMs,
    status_code: a.statusCode,
    response_body: a.responseBody,
    error_class: a.errorClass,
    error_message: a.errorMessage,
    succeeded: a.succeeded,
  })),
});

/** A page in the native list shape. */
export function presentPage<T, U>(page: Page<T>, present: (item: T) => U) {
  return { data: page.items.map(present), next_cursor: page.nextCursor };
}

/** The store's page request from a validated query. */
export function pageRequest(query: { cursor?: string | undefined; limit?: number | undefined }) {
  return { cursor: query.cursor ?? null, limit: query.limit ?? 50 };
}
