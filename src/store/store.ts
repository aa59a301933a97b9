import type {
  ApiKey,
  Application,
  Attempt,
  AuditEntry,
  ClaimedDelivery,
  Delivery,
  DeliveryStatus,
  DeliveryWithAttempts,
  EpochMs,
  EventType,
  HookEvent,
  IdempotentRequest,
  Page,
  PageRequest,
  Subscription,
  Task,
  Tenant,
  TenantEventType,
} from '../core/model.js';
import { DEFAULT_CIRCUIT_POLICY, type CircuitPolicy } from '../core/circuit.js';
import type { EndpointHealth, OperationalNotice } from './endpoint-health.js';
import type { EngineStore } from './engine-store.js';
import type { PlainRow, RowBatch, TableName } from './tables.js';

/** One request's claim of its idempotency key: `request` (pending) takes the key unless a row created at or after `reusableBefore` holds it. */
export interface IdempotencyKeyClaim {
  request: IdempotentRequest;
  reusableBefore: EpochMs;
}

/** The answer a request with an idempotency key gave, kept for its retries to replay. */
export interface IdempotentAnswer {
  tenantId: string;
  key: string;
  status: number;
  body: string;
}

/** What a store can do beyond the common interface; engines branch on these, never on the dialect. */
export interface StoreCapabilities {
  /** Several processes may claim deliveries at the same time (row locks with SKIP LOCKED). */
  readonly concurrentClaimers: boolean;
  /** `onDeliveriesDue` and `onTasksDue` hear what other processes announce too. */
  readonly crossProcessWakeups: boolean;
}

/** One delivery to create with its event: which subscription, and when it is first due. */
export interface NewDelivery {
  id: string;
  subscriptionId: string;
  dueAt: EpochMs;
  /** The ordered group it waits in (core/ordering.ts `orderingGroup`); null or absent: not ordered. */
  orderingKey?: string | null;
  /**
   * Written already claimed by this dispatcher, in flight until `until` (the hand-off of a
   * publish's deliveries to the engine of the same process, see service/handoff.ts); absent: pending.
   */
  lease?: Lease;
}

/** The result of inserting an event: `created` is false when the id was already taken (idempotent replay). */
export interface InsertEventResult {
  created: boolean;
  /** The event as stored: the earlier one when its id existed; this one when it was not written. */
  event: HookEvent;
  /**
   * Not written: another event of its application holds its uid (a race that the publish's own
   * check lost, e.g. two events with one uid in a group). Only this item fails; the rest are written.
   */
  uidTaken?: true;
}

/** One event to write with its deliveries (a publish's share of a group commit or a batch). */
export interface NewEventWrite {
  event: HookEvent;
  deliveries: NewDelivery[];
  /**
   * A task to start with the event, in the same transaction and only if the event is written: a wide
   * fan-out's, which writes the deliveries past `deliveries` (service/fan-out.ts).
   */
  task?: NewLeasedTask;
}

/** Who holds a delivery or a task, until when. */
export interface Lease {
  owner: string;
  until: EpochMs;
}

/** A task to insert already leased, so no runner takes it while its starter works on it. */
export interface NewLeasedTask {
  task: Task;
  requestKey: string;
  lease: Lease;
}

/** One event of a subscription's stream, at its position (its delivery's id). */
export interface StreamItem {
  position: string;
  event: HookEvent;
}

/** Which deliveries a list shows. */
export interface DeliveryQuery {
  eventId?: string;
  subscriptionId?: string;
  status?: DeliveryStatus;
}

/** How a claim is made: who holds the lease and for how long. */
export interface ClaimRequest {
  owner: string;
  now: EpochMs;
  leaseMs: number;
  limit: number;
  /** Most deliveries of one subscription this claimer may hold after the claim (default: QueueOptions). */
  perSubscription?: number;
  /**
   * By subscription, how many of the deliveries this claimer holds were sent and wait for their
   * outcome's write: up to a share's worth of them do not count against the share (see candidateOf).
   */
  settled?: ReadonlyMap<string, number>;
}

/** How a store's queue shares claims, resolved once when the store is opened. */
export interface QueueOptions {
  /** Most deliveries of one subscription a claimer may hold (claimed and not yet recorded): per worker, like its send limit. */
  perSubscriptionClaims: number;
  /** When recorded outcomes open a subscription's circuit, and when they disable it. */
  circuit: CircuitPolicy;
}

/** The per-subscription bound when the opener names none: twice the default endpoint concurrency. */
export const DEFAULT_QUEUE_OPTIONS: QueueOptions = { perSubscriptionClaims: 64, circuit: DEFAULT_CIRCUIT_POLICY };

/** What happened to one claimed delivery: its attempt, and where the delivery goes next. */
export interface DeliveryOutcome {
  deliveryId: string;
  owner: string;
  /** Whose endpoint was tried (its circuit and health count the attempt). */
  tenantId: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  attempt: Attempt;
  /** succeeded, failed for good, or pending again at `nextAttemptAt`. */
  status: Extract<DeliveryStatus, 'succeeded' | 'failed' | 'pending'>;
  nextAttemptAt: EpochMs | null;
  /** Set when the receiver asked to be switched off (410 Gone). */
  disableSubscription: { id: string; reason: string } | null;
  /** Set when a rate-limited subscription's receiver answered 429: its rate in force is cut, and nothing is sent before `until`. */
  slowDown?: { subscriptionId: string; until: EpochMs } | null;
}

/** Counts of what a tenant keeps (GET /v1/tenants/{t}/usage). */
export interface TenantUsage {
  events: number;
  deliveries: Record<DeliveryStatus, number>;
  attempts: number;
  subscriptions: number;
}

/** Subscription fields a PATCH may change. */
export type SubscriptionChanges = Partial<
  Pick<
    Subscription,
    | 'url'
    | 'eventTypes'
    | 'name'
    | 'description'
    | 'metadata'
    | 'headers'
    | 'filter'
    | 'active'
    | 'disabledReason'
    | 'sealedSecret'
    | 'platformData'
    | 'uid'
    | 'channels'
    | 'retryPolicy'
    | 'ordering'
    | 'rateLimitPerSecond'
    | 'maxInFlight'
  >
>;

/**
 * Changes computed from a subscription as it is inside the store's transaction (its row locked),
 * for read-modify-writes such as a platform's data; pure and synchronous, it may throw to change nothing.
 */
export type SubscriptionChange = (current: Subscription) => SubscriptionChanges;

/** Which audit entries a list shows. */
export interface AuditQuery {
  tenantId?: string;
  action?: string;
}

/** A value sealed with the instance key, named by the row that holds it (for key rotation). */
export interface SealedValue {
  id: string;
  sealed: string;
}

/** Replaces a sealed value, but only if it still holds `from` (a concurrent change wins). */
export interface SealedValueChange {
  id: string;
  from: string;
  to: string;
}

/** Deliveries waiting for a dispatcher: how many are due now, and since when the oldest. */
export interface DueBacklog {
  due: number;
  oldestDueAt: EpochMs | null;
}

/** Which subscriptions a list shows. */
export interface SubscriptionQuery {
  format?: string;
  /** Only this application's subscriptions (null: only those of no application). */
  applicationId?: string | null;
  /** Newest first instead of oldest first. */
  descending?: boolean;
}

/** Application fields an update may change. */
export type ApplicationChanges = Partial<Pick<Application, 'uid' | 'name' | 'metadata' | 'throttleRate'>>;

/** Which of an application's events a list shows (all given conditions hold). */
export interface ApplicationEventQuery {
  channel?: string;
  tag?: string;
  eventTypes?: string[];
  /** Created strictly before / after these times. */
  before?: EpochMs;
  after?: EpochMs;
}

/**
 * Applications, uids, tenant event types and idempotency keys (see migration 0007): the
 * capabilities the Svix door maps onto, open to every door. Each store keeps them in its own
 * *-applications.ts file.
 */
export interface ApplicationStore {
  /** Inserts an application; a taken uid throws the uidTaken conflict. */
  insertApplication(application: Application): Promise<void>;
  getApplication(tenantId: string, id: string): Promise<Application | undefined>;
  getApplicationByUid(tenantId: string, uid: string): Promise<Application | undefined>;
  listApplications(tenantId: string, page: PageRequest, descending: boolean): Promise<Page<Application>>;
  /** A taken uid throws the uidTaken conflict. */
  updateApplication(tenantId: string, id: string, changes: ApplicationChanges, at: EpochMs): Promise<Application | undefined>;
  /** Deletes it with its subscriptions (their deliveries too); its events stay. */
  deleteApplication(tenantId: string, id: string): Promise<boolean>;

  getSubscriptionByUid(tenantId: string, applicationId: string | null, uid: string): Promise<Subscription | undefined>;
  getEventByUid(tenantId: string, applicationId: string | null, uid: string): Promise<HookEvent | undefined>;
  /** The application's events, newest first. */
  listApplicationEvents(tenantId: string, applicationId: string, query: ApplicationEventQuery, page: PageRequest): Promise<Page<HookEvent>>;

  upsertTenantEventType(eventType: TenantEventType): Promise<void>;
  getTenantEventType(tenantId: string, name: string): Promise<TenantEventType | undefined>;
  /** By name; archived ones only when asked for. */
  listTenantEventTypes(tenantId: string, includeArchived: boolean, page: PageRequest): Promise<Page<TenantEventType>>;
  deleteTenantEventType(tenantId: string, name: string): Promise<boolean>;

  /**
   * Claims idempotency keys for requests, in one transaction and in the order given (they are
   * group-committed): each inserts its `request` (pending) unless the key is held by a row created
   * at or after its `reusableBefore`, and gets the row that then holds the key (its own, or an
   * earlier request's, pending or done; an earlier claim of the same key in the list counts).
   */
  claimIdempotencyKeys(claims: IdempotencyKeyClaim[]): Promise<IdempotentRequest[]>;
  /** Records the answers of the requests holding the keys, all in one transaction (they are group-committed). */
  finishIdempotentRequests(answers: IdempotentAnswer[]): Promise<void>;
  /** Lets the key go (the request failed in a way its retry should not see). */
  releaseIdempotencyKey(tenantId: string, key: string): Promise<void>;
}

/**
 * Everything Hookpost keeps. SQLite and PostgreSQL implement it; only store/index.ts names them.
 * Lists are ordered by id (creation order) and page with an opaque cursor.
 */
export interface Store extends ApplicationStore, EngineStore {
  readonly capabilities: StoreCapabilities;

  /** Applies pending migrations; safe to call from several processes at once. */
  migrate(): Promise<void>;
  /** How many known migrations this database lacks (answering at all proves it reachable; for /readyz). */
  pendingMigrations(): Promise<number>;
  /** Pending deliveries due by `now` and the oldest due time (for /metrics). */
  dueBacklog(now: EpochMs): Promise<DueBacklog>;
  /**
   * A number that moves whenever a tenant, an API key, an event type or a subscription changes,
   * committed by any connection, thread or process; undefined while the store cannot tell (then
   * nothing may be cached). What store/lookup-cache.ts checks before trusting its cache.
   */
  configVersion(): number | undefined;
  close(): Promise<void>;

  insertTenant(tenant: Tenant): Promise<void>;
  getTenant(id: string): Promise<Tenant | undefined>;
  listTenants(page: PageRequest): Promise<Page<Tenant>>;
  /**
   * Deletes a tenant softly: hidden from getTenant and listTenants (its id stays taken), its API
   * keys revoked and its subscriptions deleted (their deliveries no longer claimed), all at once;
   * its history stays. False when there is no such tenant.
   */
  deleteTenant(id: string, at: EpochMs): Promise<boolean>;

  insertApiKey(key: ApiKey): Promise<void>;
  findApiKeyByHash(tokenHash: string): Promise<ApiKey | undefined>;
  touchApiKey(id: string, at: EpochMs): Promise<void>;
  getApiKey(id: string): Promise<ApiKey | undefined>;
  /** The keys of one tenant, or the admin keys when `tenantId` is null; oldest first. */
  listApiKeys(tenantId: string | null, page: PageRequest): Promise<Page<ApiKey>>;
  /** Marks a live key revoked; false when it does not exist or was revoked already. */
  revokeApiKey(id: string, at: EpochMs): Promise<boolean>;

  /** Writes the entries in one transaction (they are group-committed). */
  insertAuditEntries(entries: AuditEntry[]): Promise<void>;
  /** Newest first. */
  listAuditEntries(query: AuditQuery, page: PageRequest): Promise<Page<AuditEntry>>;

  /** Subscriptions' sealed secrets across all tenants, by id after `afterId`, for re-sealing under a new key. */
  listSealedSecrets(afterId: string | null, limit: number): Promise<SealedValue[]>;
  /** Applies the changes in one transaction; returns how many still held their `from` value and were replaced. */
  replaceSealedSecrets(changes: SealedValueChange[]): Promise<number>;

  upsertEventType(eventType: EventType): Promise<void>;
  getEventType(name: string): Promise<EventType | undefined>;
  listEventTypes(page: PageRequest): Promise<Page<EventType>>;

  insertSubscription(subscription: Subscription): Promise<void>;
  /**
   * Inserts a subscription that takes the sealed secret of the tenant's oldest subscription of the
   * same format, when there is one (a platform with one secret per tenant, such as Fourthwall's
   * shop secret); atomic against concurrent inserts for that tenant. Returns what was stored.
   */
  insertSubscriptionSharingSecret(subscription: Subscription): Promise<Subscription>;
  getSubscription(tenantId: string, id: string): Promise<Subscription | undefined>;
  listSubscriptions(tenantId: string, query: SubscriptionQuery, page: PageRequest): Promise<Page<Subscription>>;
  /** Applies `changes` (or what a SubscriptionChange computes from the current row) in one transaction. */
  updateSubscription(tenantId: string, id: string, changes: SubscriptionChanges | SubscriptionChange, at: EpochMs): Promise<Subscription | undefined>;
  /**
   * Deletes softly: the subscription disappears from reads and sends nothing more, its delivery
   * history stays for the retention period. Never blocks the process for long (deliveries are
   * parked in small batches).
   */
  deleteSubscription(tenantId: string, id: string): Promise<boolean>;
  /** Active subscriptions of the tenant that list this event type or `*` (uses the (tenant, type) index). */
  findSubscriptionsForEvent(tenantId: string, eventType: string): Promise<Subscription[]>;

  /** Writes the event and its deliveries in one transaction, or nothing if the id exists. Wakes dispatchers. */
  insertEventWithDeliveries(event: HookEvent, deliveries: NewDelivery[]): Promise<InsertEventResult>;
  /**
   * Writes many events with their deliveries in ONE transaction (group commit, batch publish): a
   * result per item, in order; an id that exists (or repeats earlier in `items`) is not written
   * again and answers with the stored event. Wakes dispatchers.
   */
  insertEvents(items: NewEventWrite[]): Promise<InsertEventResult[]>;
  getEvent(tenantId: string, id: string): Promise<HookEvent | undefined>;
  listEvents(tenantId: string, page: PageRequest): Promise<Page<HookEvent>>;

  getDelivery(tenantId: string, id: string): Promise<DeliveryWithAttempts | undefined>;
  listDeliveries(tenantId: string, query: DeliveryQuery, page: PageRequest): Promise<Page<DeliveryWithAttempts>>;
  /** The events a subscription got deliveries of (cancelled ones aside), in delivery id order (publish order), after the delivery id `after`. */
  listSubscriptionStream(tenantId: string, subscriptionId: string, after: string, limit: number): Promise<StreamItem[]>;
  /** Makes a delivery that is not in flight due now (a manual retry). Undefined if absent; the row as it was if in flight. */
  requeueDelivery(tenantId: string, id: string, now: EpochMs): Promise<{ requeued: boolean; delivery: Delivery } | undefined>;

  /**
   * Leases up to `limit` due deliveries of active subscriptions: pending ones due now and in-flight
   * ones whose lease expired. Shared fairly (store/claim-shares.ts): every subscription with due
   * work gets a share, none more than `perSubscription` in flight.
   */
  claimDueDeliveries(request: ClaimRequest): Promise<ClaimedDelivery[]>;
  /**
   * Makes this process a sender of the database, before its first claim. A single-claimer store
   * takes its sender lock (StartupError 'database_in_use' while another live process holds it)
   * and makes due at once what a dead predecessor held in flight; returns how many. A store with
   * concurrent claimers leaves other workers' claims to their leases.
   */
  takeOverSending(now: EpochMs): Promise<number>;
  /** The query plan (EXPLAIN) of each hot statement, by name, for tests and operators checking index use. */
  explainHotQueries(): Promise<Record<string, string>>;
  /** Extends the leases this owner still holds. */
  renewLeases(owner: string, deliveryIds: string[], until: EpochMs): Promise<void>;
  /**
   * The deliveries among `deliveryIds` still leased to `owner` (written leased by a publish of
   * this process, see NewDelivery.lease), with their events and subscriptions: those whose
   * subscription may send now (active, circuit closed). The others are handed back, due at `now`,
   * so that a claim applies their circuit. Reads only, unless some must be handed back.
   */
  takeHandedOff(owner: string, deliveryIds: string[], now: EpochMs): Promise<ClaimedDelivery[]>;
  /** Hands claimed deliveries back unattempted, due at `dueAt`. */
  releaseDeliveries(owner: string, deliveryIds: string[], dueAt: EpochMs): Promise<void>;
  /**
   * Records attempts and moves their deliveries on, in one transaction; ignores rows whose lease
   * was lost. In the same transaction, moves the subscriptions' circuits on (store/endpoint-health.ts),
   * disables those failing for too long, counts the attempts for /health, and keeps the operational
   * events raised for the relay.
   */
  recordOutcomes(outcomes: DeliveryOutcome[]): Promise<void>;
  /** The subscription's circuit and its last hour and day of attempts. */
  getEndpointHealth(subscriptionId: string, now: EpochMs): Promise<EndpointHealth>;
  /** Up to `limit` operational events waiting to be published, oldest first. */
  listOperationalNotices(limit: number): Promise<OperationalNotice[]>;
  /** Forgets published operational events. */
  deleteOperationalNotices(ids: string[]): Promise<void>;
  /**
   * Deletes up to `limit` of the tenant's events created before `before` whose deliveries are all
   * finished, with their deliveries and attempts (one short transaction); returns how many events.
   */
  deleteExpiredEvents(tenantId: string, before: EpochMs, limit: number): Promise<number>;
  /**
   * Deletes up to `limit` of the per-minute health counts of the tenant's subscriptions from
   * before `before` (the health route reads one day back); returns how many.
   */
  deleteExpiredHealth(tenantId: string, before: EpochMs, limit: number): Promise<number>;
  /** What the tenant keeps: events, deliveries by status, attempts, live subscriptions. */
  tenantUsage(tenantId: string): Promise<TenantUsage>;
  /**
   * Calls `listener` whenever deliveries may have become due for a claim (a publish or a requeue;
   * not deliveries handed off leased to this process's engine, which need no claim). Returns an unsubscribe.
   */
  onDeliveriesDue(listener: () => void): () => void;
  /** Calls `listener` whenever this process wrote events with deliveries, handed off or not (what a stream's long poll waits for). Returns an unsubscribe. */
  onEventsWritten(listener: () => void): () => void;
  /** Calls `listener` whenever a background task was started (a recovery), so a task runner looks now. Returns an unsubscribe. */
  onTasksDue(listener: () => void): () => void;

  /** Up to `limit` rows of `table` in key order, after the cursor `after` (null: from the start), as plain values (copying a store). */
  exportRows(table: TableName, after: string | null, limit: number): Promise<RowBatch>;
  /** Inserts plain rows into `table` in one transaction, skipping rows whose key exists already (so a copy can run again). */
  importRows(table: TableName, rows: PlainRow[]): Promise<void>;
}
