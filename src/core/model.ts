import type { AttemptErrorClass } from './attempt-error.js';
import type { Filter } from './filter.js';

/** Times in the domain are milliseconds since the Unix epoch; doors format them as RFC 3339. */
export type EpochMs = number;

/** An organisation whose customers subscribe to events; every other object belongs to one. */
export interface Tenant {
  id: string;
  name: string;
  createdAt: EpochMs;
}

/** The scopes a credential may hold; `admin` implies every other. */
export const SCOPES = [
  'admin',
  'tenants:read',
  'tenants:write',
  'api-keys:read',
  'api-keys:write',
  'event-types:read',
  'event-types:write',
  'events:write',
  'events:read',
  'subscriptions:read',
  'subscriptions:write',
  'deliveries:read',
  'deliveries:write',
  'audit-log:read',
] as const;

/** Scopes only a credential bound to no tenant may hold: they reach every tenant or the shared catalog. */
export const INSTANCE_SCOPES: readonly Scope[] = ['admin', 'tenants:write', 'event-types:write', 'audit-log:read'];

/** One of SCOPES, or a platform scope (compat doors add their own names). */
export type Scope = (typeof SCOPES)[number] | (string & {});

/** A stored API key: only the hash of its token is kept. */
export interface ApiKey {
  id: string;
  tenantId: string | null; // null: an admin key, valid for every tenant
  name: string | null;
  scopes: Scope[];
  tokenHash: string;
  createdAt: EpochMs;
  lastUsedAt: EpochMs | null;
  revokedAt: EpochMs | null;
}

/** Who did something: the instance admin token, an API key, or an OAuth client (an API key used through /oauth/token). */
export interface Actor {
  kind: 'admin' | 'api_key' | 'oauth_client' | 'system';
  id: string;
}

/** One line of the audit log: who did what to which object, and when. */
export interface AuditEntry {
  id: string;
  at: EpochMs;
  actor: Actor;
  /** Dotted verb such as `subscription.created`, `api_key.revoked`, `secret_key.rotated`. */
  action: string;
  /** The tenant the object belongs to; null for instance-wide objects. */
  tenantId: string | null;
  targetType: string;
  targetId: string | null;
  /** What changed, by field name; never a secret. */
  details: Record<string, unknown>;
}

/** A kind of event in the shared catalog, with the JSON Schema its payloads must satisfy. */
export interface EventType {
  name: string;
  description: string;
  schema: Record<string, unknown> | null;
  example: Record<string, unknown> | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

/** A receiver's wish to get some event types at a URL, signed with its secret. */
export interface Subscription {
  id: string;
  tenantId: string;
  url: string;
  eventTypes: string[]; // non-empty; ['*'] means every type
  name: string | null;
  description: string | null;
  metadata: Record<string, string>;
  headers: Record<string, string>;
  filter: Filter | null;
  /** Which envelope and signature the deliveries use: 'native' or a compat platform's name. */
  format: string;
  /** Data a compat platform keeps with its webhook (its own field names, opaque to the core). */
  platformData: Record<string, unknown>;
  active: boolean;
  disabledReason: string | null;
  /** The signing secret, sealed with the instance key (see core/secret-box.ts); never plaintext at rest. */
  sealedSecret: string;
  /** The secret a rotation replaced, sealed; deliveries carry its signature too until it expires. */
  previousSealedSecret: string | null;
  previousSecretExpiresAt: EpochMs | null;
  /** HMAC-SHA256 (`v1,`, secret `whsec_`) or Ed25519 (`v1a,`, secret `whsk_`). */
  signing: SigningScheme;
  /** This subscription's own retry schedule or attempt count; null: the instance's. */
  retryPolicy: RetryOverride | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
  /** The application it belongs to (see Application); null or absent: the tenant's own. */
  applicationId?: string | null;
  /** The caller's own name for it, unique within its application (or tenant); null: none. */
  uid?: string | null;
  /** When set, only events published on at least one of these channels reach it. */
  channels?: string[] | null;
  /** Whether its deliveries wait for earlier ones (see DELIVERY_ORDERINGS); absent: 'none'. */
  ordering?: DeliveryOrdering;
  /** Requests per second at most, across every worker (a token bucket; halved after a 429); null or absent: no limit. */
  rateLimitPerSecond?: number | null;
  /** Deliveries in flight at most, across every worker; null or absent: the instance's per-endpoint cap only. */
  maxInFlight?: number | null;
}

/**
 * How a subscription orders its deliveries: 'none' sends each as soon as it may; 'subscription'
 * sends one at a time in publish order; 'key' does so per event `ordering_key` (events without a
 * key are not ordered).
 */
export const DELIVERY_ORDERINGS = ['none', 'subscription', 'key'] as const;
/** One of DELIVERY_ORDERINGS. */
export type DeliveryOrdering = (typeof DELIVERY_ORDERINGS)[number];

/** The signature schemes of Standard Webhooks a subscription may use. */
export const SIGNING_SCHEMES = ['hmac', 'ed25519'] as const;
/** One of SIGNING_SCHEMES. */
export type SigningScheme = (typeof SIGNING_SCHEMES)[number];

/** A subscription's retry settings: its own delays (ms, before attempts 2, 3, …) and/or number of attempts. */
export interface RetryOverride {
  scheduleMs: number[] | null;
  maxAttempts: number | null;
}

/** The kinds of background task; each runs in resumable batches. */
export type TaskKind = 'recover' | 'fan_out';

/** A bulk operation running in the background (recovering a subscription's failed deliveries, finishing a wide fan-out). */
export interface Task {
  id: string;
  tenantId: string;
  kind: TaskKind;
  status: 'running' | 'done';
  /** What was asked, as the API shows it (e.g. subscription_id, since, until). */
  params: Record<string, unknown>;
  /** Counts so far (e.g. requeued). */
  progress: Record<string, number>;
  /** Where the next batch starts (a delivery id); null before the first. */
  cursor: string | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
  finishedAt: EpochMs | null;
}

/** An accepted event: durable once stored, delivered to every subscription that matched. */
export interface HookEvent {
  tenantId: string;
  id: string;
  type: string;
  data: unknown;
  resourceId: string | null;
  createdAt: EpochMs;
  deliverAt: EpochMs | null;
  /** Published to this application: only its subscriptions match. Null or absent: the tenant's own subscriptions. */
  applicationId?: string | null;
  /** The publisher's own id of the event, unique within its application (or tenant). */
  uid?: string | null;
  /** Channels the event is published on; subscriptions with channels receive it only on a shared one. */
  channels?: string[] | null;
  /** Labels for finding events in logs; they do not affect matching. */
  tags?: string[] | null;
  /** Deliveries to subscriptions ordered by key go out in publish order among events with this key. */
  orderingKey?: string | null;
  /** The W3C traceparent of the publish call's span (tracing on): each attempt's span is its child. */
  traceParent?: string | null;
}

/**
 * A group of subscriptions inside a tenant, one per consumer of the tenant (a Svix "application"):
 * events published to it reach only its subscriptions.
 */
export interface Application {
  id: string;
  tenantId: string;
  uid: string | null;
  name: string;
  metadata: Record<string, string>;
  /** Deliveries per second its consumer asked for; kept and shown, not yet enforced. */
  throttleRate: number | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

/**
 * An event type a tenant defines for itself, beside the shared catalog. Its schemas (by version)
 * document payloads; archived types stay publishable and are hidden from lists.
 */
export interface TenantEventType {
  tenantId: string;
  name: string;
  description: string;
  schemas: Record<string, unknown> | null;
  archived: boolean;
  deprecated: boolean;
  featureFlags: string[] | null;
  groupName: string | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

/** The first answer to a request made with an idempotency key: pending while it runs, then done. */
export interface IdempotentRequest {
  tenantId: string;
  key: string;
  /** What the key was first used for (method and path); another request with the key is refused. */
  fingerprint: string;
  state: 'pending' | 'done';
  status: number | null;
  body: string | null;
  createdAt: EpochMs;
}

/** The life of one delivery: pending → in_flight → succeeded, or back to pending, or failed; a scheduled one may be cancelled. */
export const DELIVERY_STATUSES = ['pending', 'in_flight', 'succeeded', 'failed', 'cancelled'] as const;
/** One of DELIVERY_STATUSES. */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One event on its way to one subscription. */
export interface Delivery {
  id: string;
  tenantId: string;
  eventId: string;
  subscriptionId: string;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: EpochMs | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

/** One HTTP request made for a delivery, with what came back. */
export interface Attempt {
  id: string;
  deliveryId: string;
  number: number;
  startedAt: EpochMs;
  durationMs: number;
  statusCode: number | null;
  responseBody: string | null;
  errorClass: AttemptErrorClass | null;
  errorMessage: string | null;
  succeeded: boolean;
}

/** A delivery with its attempts, oldest first, as logs and the portal show it. */
export interface DeliveryWithAttempts extends Delivery {
  attempts: Attempt[];
}

/** What a dispatcher holds after claiming a delivery: everything needed to send it. */
export interface ClaimedDelivery {
  delivery: Delivery;
  event: HookEvent;
  subscription: Subscription;
}

/** A page of a list, newest or oldest first as the list promises, with the cursor of the next page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Where a list starts and how long a page is. */
export interface PageRequest {
  cursor: string | null;
  limit: number;
}
