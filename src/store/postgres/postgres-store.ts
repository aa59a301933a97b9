import { EventEmitter } from 'node:events';
import { writesDeliveries } from '../new-deliveries.js';
import { HookpostError } from '../../core/errors.js';
import type { ApiKey, AuditEntry, DeliveryStatus, EventType, HookEvent, PageRequest, Subscription, Tenant } from '../../core/model.js';
import { decodeCursor, decodeTimeCursor, timeKey, toPage } from '../cursor.js';
import {
  fromApiKey,
  fromEventType,
  fromSubscription,
  toApiKey,
  toEvent,
  toEventType,
  toSubscription,
  toTenant,
  type ApiKeyRow,
  type EventRow,
  type EventTypeRow,
  type SubscriptionRow,
  type TenantRow,
} from '../rows.js';
import type {
  AuditQuery,
  DeliveryQuery,
  InsertEventResult,
  NewDelivery,
  NewEventWrite,
  SealedValueChange,
  Store,
  SubscriptionChange,
  SubscriptionChanges,
  SubscriptionQuery,
  QueueOptions,
} from '../store.js';
import { DEFAULT_QUEUE_OPTIONS } from '../store.js';
import { PostgresParking } from './postgres-parking.js';
import { explainPostgresHotQueries } from './postgres-explain.js';
import { DEFAULT_RETRY, PostgresDb, type PostgresOptions, type Queryable } from './postgres-db.js';
import { PostgresEngine } from './postgres-engine.js';
import { migratePostgres } from './postgres-migrate.js';
import { createPostgresApplications } from './postgres-applications.js';
import type { ApplicationStore } from '../store.js';
import type { TaskFence } from '../engine-store.js';
import { uidTaken } from '../uids.js';
import { pendingPostgresMigrations, postgresDueBacklog } from './postgres-operations.js';
import { PostgresQueue } from './postgres-queue.js';
import { usageOf } from '../usage.js';
import { PostgresSecurity } from './postgres-security.js';
import { placeholders, toParams } from './postgres-rows.js';
import { exportRows, importRows } from './postgres-transfer.js';
import { DueNotifier } from './postgres-notify.js';
import { insertEvents } from './postgres-event-batch.js';
import { CONFIG_CHANNEL, DUE_CHANNEL, NoticeListener, TASKS_CHANNEL } from './postgres-wakeups.js';

/** What `openPostgresStore` may be told beyond the URL. */
export interface PostgresStoreOptions {
  poolSize?: number;
  retry?: PostgresOptions['retry'];
  warn?: PostgresOptions['warn'];
  queue?: QueueOptions;
}

/** Opens a pool on the database at `connectionString` (postgres:// or postgresql://). Connects lazily. */
export function openPostgresStore(connectionString: string, options: PostgresStoreOptions = {}): Store {
  return new PostgresStore(
    {
      connectionString,
      poolSize: options.poolSize ?? 10,
      retry: options.retry ?? DEFAULT_RETRY,
      warn: options.warn ?? (() => undefined),
    },
    options.queue ?? DEFAULT_QUEUE_OPTIONS,
  );
}

const API_KEY_COLUMNS = Object.keys(fromApiKey({} as ApiKey));
const EVENT_TYPE_COLUMNS = Object.keys(fromEventType({} as EventType));
const SUBSCRIPTION_COLUMNS = Object.keys(fromSubscription({} as Subscription));

const INSERT_API_KEY = `INSERT INTO api_keys (${API_KEY_COLUMNS.join(', ')}) VALUES (${placeholders(API_KEY_COLUMNS.length)})`;
const UPSERT_EVENT_TYPE = `
  INSERT INTO event_types (${EVENT_TYPE_COLUMNS.join(', ')}) VALUES (${placeholders(EVENT_TYPE_COLUMNS.length)})
  ON CONFLICT (name) DO UPDATE SET description = excluded.description, schema = excluded.schema,
    example = excluded.example, updated_at = excluded.updated_at`;

// The subscription and its (tenant, type) index rows in one statement. ON CONFLICT: ids are
// fresh, so a conflict can only be our own retry of a commit whose answer was lost.
const INSERT_SUBSCRIPTION = `
  WITH inserted AS (
    INSERT INTO subscriptions (${SUBSCRIPTION_COLUMNS.join(', ')}) VALUES (${placeholders(SUBSCRIPTION_COLUMNS.length)})
    ON CONFLICT (id) DO NOTHING RETURNING tenant_id, id
  )
  INSERT INTO subscription_event_types (tenant_id, event_type, subscription_id)
  SELECT i.tenant_id, t, i.id FROM inserted i, unnest($${SUBSCRIPTION_COLUMNS.length + 1}::text[]) AS t
  ON CONFLICT DO NOTHING`;

const UPDATE_SUBSCRIPTION = `UPDATE subscriptions SET ${SUBSCRIPTION_COLUMNS.map((c, i) => `${c} = $${i + 1}`).join(', ')}
  WHERE id = $${SUBSCRIPTION_COLUMNS.indexOf('id') + 1}`;

const INDEX_EVENT_TYPES = `
  INSERT INTO subscription_event_types (tenant_id, event_type, subscription_id)
  SELECT $1, t, $2 FROM unnest($3::text[]) AS t ON CONFLICT DO NOTHING`;

const FIND_SUBSCRIPTIONS_FOR_EVENT = `
  SELECT s.* FROM subscription_event_types t JOIN subscriptions s ON s.id = t.subscription_id
  WHERE t.tenant_id = $1 AND t.event_type IN ($2, '*') AND s.active ORDER BY s.id`;

// Newest first; the cursor holds created_at and id of the last row shown. "created_at IS NOT NULL"
// (always true) lets the planner use events_by_time, whose predicate it is (migration 0014).
export const LIST_EVENTS = `
  SELECT * FROM events
  WHERE tenant_id = $1 AND created_at IS NOT NULL AND ($2::bigint IS NULL OR (created_at, id) < ($2, $3::text))
  ORDER BY created_at DESC, id DESC LIMIT $4`;

// Through events_by_time (created_at < $2 implies its predicate); the cascade takes each event's
// deliveries (deliveries_by_event) and their attempts.
export const DELETE_EXPIRED_EVENTS = `
  DELETE FROM events WHERE tenant_id = $1 AND id IN (
    SELECT e.id FROM events e WHERE e.tenant_id = $1 AND e.created_at < $2
      AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.tenant_id = e.tenant_id AND d.event_id = e.id AND d.status IN ('pending', 'in_flight'))
    LIMIT $3)
  RETURNING id`;

/**
 * The PostgreSQL store: any number of API and worker processes share one database. Workers claim
 * with SKIP LOCKED (concurrentClaimers) and hear publishes from every process through
 * LISTEN/NOTIFY (crossProcessWakeups).
 */
// The ApplicationStore methods come from postgres-applications.ts, assigned in the constructor.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
interface PostgresStore extends ApplicationStore {}

class PostgresStore implements Store {
  readonly capabilities = { concurrentClaimers: true, crossProcessWakeups: true };
  readonly #db: PostgresDb;
  readonly #queue: PostgresQueue;
  readonly #security: PostgresSecurity;
  readonly #engine: PostgresEngine;
  readonly #notifier: DueNotifier;
  readonly #tasksNotifier: DueNotifier;
  readonly #wakeups: NoticeListener;
  /** This process's own event writes (long polls of subscription streams wait for them). */
  readonly #written = new EventEmitter().setMaxListeners(0);
  #configVersion = 0;
  #configWatched = false;

  readonly #parking: PostgresParking;

  constructor(options: PostgresOptions, queueOptions: QueueOptions) {
    this.#db = new PostgresDb(options);
    this.#notifier = new DueNotifier(this.#db);
    this.#tasksNotifier = new DueNotifier(this.#db, TASKS_CHANNEL);
    this.#queue = new PostgresQueue(this.#db, this.#notifier, queueOptions);
    this.#parking = new PostgresParking(this.#db);
    this.#security = new PostgresSecurity(this.#db);
    this.#engine = new PostgresEngine(this.#db, this.#notifier);
    this.#wakeups = new NoticeListener(options);
    Object.assign(this, createPostgresApplications(this.#db));
  }

  migrate() {
    return migratePostgres(this.#db);
  }

  pendingMigrations() {
    return pendingPostgresMigrations(this.#db);
  }

  dueBacklog(now: number) {
    return postgresDueBacklog(this.#db, now);
  }

  configVersion() {
    if (!this.#configWatched) {
      this.#configWatched = true;
      this.#wakeups.subscribe(CONFIG_CHANNEL, () => (this.#configVersion += 1));
    }
    return this.#wakeups.listening ? this.#configVersion : undefined;
  }

  async close() {
    await this.#wakeups.close();
    await this.#notifier.settled();
    await this.#tasksNotifier.settled();
    await this.#db.close();
  }

  async insertTenant(tenant: Tenant) {
    const inserted = await this.#db.rows(
      'INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING RETURNING id',
      [tenant.id, tenant.name, tenant.createdAt],
    );
    if (inserted.length === 0) throw new HookpostError('conflict', `A tenant with id ${tenant.id} exists already.`);
  }

  async getTenant(id: string) {
    const [row] = await this.#db.rows<TenantRow>('SELECT * FROM tenants WHERE id = $1 AND deleted_at IS NULL', [id]);
    return row && toTenant(row);
  }

  async listTenants(page: PageRequest) {
    const rows = await this.#db.rows<TenantRow>('SELECT * FROM tenants WHERE id > $1 AND deleted_at IS NULL ORDER BY id LIMIT $2', [
      decodeCursor(page.cursor) ?? '',
      page.limit + 1,
    ]);
    return toPage(rows.map(toTenant), page.limit, (t) => t.id);
  }

  async deleteTenant(id: string, at: number) {
    return this.#parking.softDeleteTenant(id, at);
  }

  async insertApiKey(key: ApiKey) {
    await this.#db.rows(INSERT_API_KEY, toParams('api_keys', { ...fromApiKey(key) }, API_KEY_COLUMNS));
  }

  async findApiKeyByHash(tokenHash: string) {
    const [row] = await this.#db.rows<ApiKeyRow>('SELECT * FROM api_keys WHERE token_hash = $1', [tokenHash]);
    return row && toApiKey(row);
  }

  async touchApiKey(id: string, at: number) {
    await this.#db.rows('UPDATE api_keys SET last_used_at = $1 WHERE id = $2', [at, id]);
  }

  getApiKey(id: string) {
    return this.#security.getApiKey(id);
  }

  listApiKeys(tenantId: string | null, page: PageRequest) {
    return this.#security.listApiKeys(tenantId, page);
  }

  revokeApiKey(id: string, at: number) {
    return this.#security.revokeApiKey(id, at);
  }

  insertAuditEntries(entries: AuditEntry[]) {
    return this.#security.insertAuditEntries(entries);
  }

  listAuditEntries(query: AuditQuery, page: PageRequest) {
    return this.#security.listAuditEntries(query, page);
  }

  listSealedSecrets(afterId: string | null, limit: number) {
    return this.#security.listSealedSecrets(afterId, limit);
  }

  replaceSealedSecrets(changes: SealedValueChange[]) {
    return this.#security.replaceSealedSecrets(changes);
  }

  async upsertEventType(eventType: EventType) {
    await this.#db.rows(UPSERT_EVENT_TYPE, toParams('event_types', { ...fromEventType(eventType) }, EVENT_TYPE_COLUMNS));
  }

  async getEventType(name: string) {
    const [row] = await this.#db.rows<EventTypeRow>('SELECT * FROM event_types WHERE name = $1', [name]);
    return row && toEventType(row);
  }

  async listEventTypes(page: PageRequest) {
    const rows = await this.#db.rows<EventTypeRow>('SELECT * FROM event_types WHERE name > $1 ORDER BY name LIMIT $2', [
      decodeCursor(page.cursor) ?? '',
      page.limit + 1,
    ]);
    return toPage(rows.map(toEventType), page.limit, (t) => t.name);
  }

  async insertSubscription(subscription: Subscription) {
    const params = toParams('subscriptions', { ...fromSubscription(subscription) }, SUBSCRIPTION_COLUMNS);
    try {
      await this.#db.rows(INSERT_SUBSCRIPTION, [...params, subscription.eventTypes]);
    } catch (error) {
      // The only unique key a caller chooses is the uid (subscriptions_by_uid).
      if ((error as { code?: string }).code === '23505') throw uidTaken(subscription);
      throw error;
    }
  }

  async insertSubscriptionSharingSecret(subscription: Subscription) {
    return this.#db.transaction(async (client) => {
      // The tenant's row serialises the first inserts of a format, so two cannot both find no
      // sibling; NO KEY UPDATE leaves the row's key free for the inserts that reference it.
      await client.query('SELECT 1 FROM tenants WHERE id = $1 FOR NO KEY UPDATE', [subscription.tenantId]);
      const [sibling] = (
        await client.query<{ sealed_secret: string }>(
          'SELECT sealed_secret FROM subscriptions WHERE tenant_id = $1 AND format = $2 ORDER BY id LIMIT 1',
          [subscription.tenantId, subscription.format],
        )
      ).rows;
      const stored = sibling ? { ...subscription, sealedSecret: sibling.sealed_secret } : subscription;
      await client.query(INSERT_SUBSCRIPTION, [...toParams('subscriptions', { ...fromSubscription(stored) }, SUBSCRIPTION_COLUMNS), stored.eventTypes]);
      return stored;
    });
  }

  async getSubscription(tenantId: string, id: string) {
    const [row] = await this.#db.rows<SubscriptionRow>('SELECT * FROM subscriptions WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL', [tenantId, id]);
    return row && toSubscription(row);
  }

  async listSubscriptions(tenantId: string, query: SubscriptionQuery, page: PageRequest) {
    const [from, compare, order] = query.descending ? [decodeCursor(page.cursor) ?? '\uffff', '<', 'DESC'] : [decodeCursor(page.cursor) ?? '', '>', 'ASC'];
    const rows = await this.#db.rows<SubscriptionRow>(
      `SELECT * FROM subscriptions WHERE tenant_id = $1 AND id ${compare} $2 AND deleted_at IS NULL AND ($3::text IS NULL OR format = $3)
       AND (NOT $5::boolean OR application_id IS NOT DISTINCT FROM $6) ORDER BY id ${order} LIMIT $4`,
      [tenantId, from, query.format ?? null, page.limit + 1, query.applicationId !== undefined, query.applicationId ?? null],
    );
    return toPage(rows.map(toSubscription), page.limit, (s) => s.id);
  }

  async updateSubscription(tenantId: string, id: string, change: SubscriptionChanges | SubscriptionChange, at: number) {
    const updated = await this.#db.transaction(async (client) => {
      // FOR UPDATE: two changes of one subscription apply one after the other, not over each other.
      const [current] = (
        await client.query<SubscriptionRow>('SELECT * FROM subscriptions WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE', [tenantId, id])
      ).rows;
      if (!current) return undefined;
      const before = toSubscription(current);
      const changes = typeof change === 'function' ? change(before) : change;
      const next: Subscription = { ...before, ...changes, updatedAt: at };
      await client.query(UPDATE_SUBSCRIPTION, toParams('subscriptions', { ...fromSubscription(next) }, SUBSCRIPTION_COLUMNS));
      if (changes.eventTypes) await reindexEventTypes(client, tenantId, id, changes.eventTypes);
      // Re-enabled: its failures are forgiven, so the next one neither reopens a circuit nor disables it again.
      if (changes.active === true && !current.active) {
        await client.query("UPDATE subscriptions SET circuit = 'closed', circuit_retry_at = NULL, consecutive_failures = 0, failing_since = NULL WHERE id = $1", [id]);
      }
      return { next, active: changes.active, wasActive: current.active };
    });
    if (!updated) return undefined;
    // A paused or disabled subscription's deliveries leave the due index; re-enabled, they return.
    if (updated.active !== undefined && updated.active !== updated.wasActive) await this.#parking.setParked(id, !updated.active);
    // A re-activated subscription may have deliveries waiting.
    if (updated.active === true) this.#notifier.poke();
    return updated.next;
  }

  async deleteSubscription(tenantId: string, id: string) {
    return this.#parking.softDelete(tenantId, id, Date.now());
  }

  async findSubscriptionsForEvent(tenantId: string, eventType: string) {
    const rows = await this.#db.rows<SubscriptionRow>(FIND_SUBSCRIPTIONS_FOR_EVENT, [tenantId, eventType]);
    return rows.map(toSubscription);
  }

  async insertEvents(items: NewEventWrite[]): Promise<InsertEventResult[]> {
    const results = await insertEvents(this.#db, this.#notifier, items);
    if (writesDeliveries(items, results)) this.#written.emit('written');
    return results;
  }

  async insertEventWithDeliveries(event: HookEvent, deliveries: NewDelivery[]): Promise<InsertEventResult> {
    const result = await this.#queue.insertEventWithDeliveries(event, deliveries);
    if (writesDeliveries([{ event, deliveries }], [result])) this.#written.emit('written');
    return result;
  }

  async getEvent(tenantId: string, id: string) {
    const [row] = await this.#db.rows<EventRow>('SELECT * FROM events WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    return row && toEvent(row);
  }

  async listEvents(tenantId: string, page: PageRequest) {
    const [beforeTime, beforeId] = decodeTimeCursor(page.cursor) ?? [null, null];
    const rows = await this.#db.rows<EventRow>(LIST_EVENTS, [tenantId, beforeTime, beforeId, page.limit + 1]);
    return toPage(rows.map(toEvent), page.limit, (e) => timeKey(e.createdAt, e.id));
  }

  getDelivery(tenantId: string, id: string) {
    return this.#queue.getDelivery(tenantId, id);
  }

  listDeliveries(tenantId: string, query: DeliveryQuery, page: PageRequest) {
    return this.#queue.listDeliveries(tenantId, query, page);
  }

  listSubscriptionStream(tenantId: string, subscriptionId: string, after: string, limit: number) {
    return this.#queue.listSubscriptionStream(tenantId, subscriptionId, after, limit);
  }

  requeueDelivery(tenantId: string, id: string, now: number) {
    return this.#queue.requeueDelivery(tenantId, id, now);
  }

  explainHotQueries() {
    return explainPostgresHotQueries(this.#db);
  }

  // Other workers may be alive: their claims return when their (short, renewed) leases lapse.
  async takeOverSending() {
    return 0;
  }

  claimDueDeliveries(request: Parameters<Store['claimDueDeliveries']>[0]) {
    return this.#queue.claimDueDeliveries(request);
  }

  renewLeases(owner: string, deliveryIds: string[], until: number) {
    return this.#queue.renewLeases(owner, deliveryIds, until);
  }

  takeHandedOff(owner: string, deliveryIds: string[], now: number) {
    return this.#queue.takeHandedOff(owner, deliveryIds, now);
  }

  releaseDeliveries(owner: string, deliveryIds: string[], dueAt: number) {
    return this.#queue.releaseDeliveries(owner, deliveryIds, dueAt);
  }

  async recordOutcomes(outcomes: Parameters<Store['recordOutcomes']>[0]) {
    const disabled = await this.#queue.recordOutcomes(outcomes);
    // Switched off (a 410, or failing for too long): park in the background (the claim skips inactive subscriptions meanwhile).
    for (const id of disabled) void this.#parking.setParked(id, true).catch(() => undefined);
  }

  getEndpointHealth(subscriptionId: string, now: number) {
    return this.#queue.getEndpointHealth(subscriptionId, now);
  }

  listOperationalNotices(limit: number) {
    return this.#queue.listOperationalNotices(limit);
  }

  deleteOperationalNotices(ids: string[]) {
    return this.#queue.deleteOperationalNotices(ids);
  }

  async deleteExpiredEvents(tenantId: string, before: number, limit: number) {
    const deleted = await this.#db.rows<{ id: string }>(DELETE_EXPIRED_EVENTS, [tenantId, before, limit]);
    return deleted.length;
  }

  async deleteExpiredHealth(tenantId: string, before: number, limit: number) {
    // Each subscription's rows through the primary key (subscription_id, minute).
    const deleted = await this.#db.rows<{ minute: string }>(
      `DELETE FROM endpoint_health WHERE (subscription_id, minute) IN (
         SELECT h.subscription_id, h.minute FROM subscriptions s JOIN endpoint_health h ON h.subscription_id = s.id AND h.minute < $2
         WHERE s.tenant_id = $1 LIMIT $3)
       RETURNING minute`,
      [tenantId, before, limit],
    );
    return deleted.length;
  }

  async tenantUsage(tenantId: string) {
    const count = async (sql: string) => Number((await this.#db.rows<{ n: string }>(sql, [tenantId]))[0]!.n);
    const byStatus = await this.#db.rows<{ status: DeliveryStatus; n: string }>('SELECT status, count(*) AS n FROM deliveries WHERE tenant_id = $1 GROUP BY status', [tenantId]);
    return usageOf({
      events: await count('SELECT count(*) AS n FROM events WHERE tenant_id = $1'),
      byStatus: byStatus.map((row) => ({ status: row.status, n: Number(row.n) })),
      attempts: await count('SELECT count(*) AS n FROM deliveries d JOIN attempts a ON a.delivery_id = d.id WHERE d.tenant_id = $1'),
      subscriptions: await count('SELECT count(*) AS n FROM subscriptions WHERE tenant_id = $1 AND deleted_at IS NULL'),
    });
  }

  onDeliveriesDue(listener: () => void) {
    return this.#wakeups.subscribe(DUE_CHANNEL, listener);
  }

  onEventsWritten(listener: () => void) {
    this.#written.on('written', listener);
    return () => void this.#written.off('written', listener);
  }

  onTasksDue(listener: () => void) {
    return this.#wakeups.subscribe(TASKS_CHANNEL, listener);
  }

  rotateSubscriptionSecret(tenantId: string, id: string, nextSealed: string, previousExpiresAt: number | null, at: number) {
    return this.#engine.rotateSubscriptionSecret(tenantId, id, nextSealed, previousExpiresAt, at);
  }

  async startTask(task: Parameters<Store['startTask']>[0], requestKey: string) {
    const started = await this.#engine.startTask(task, requestKey);
    if (started.created) this.#tasksNotifier.poke();
    return started;
  }

  getTask(tenantId: string, id: string) {
    return this.#engine.getTask(tenantId, id);
  }

  claimTask(owner: string, now: number, leaseMs: number) {
    return this.#engine.claimTask(owner, now, leaseMs);
  }

  saveTaskProgress(id: string, owner: string, step: Parameters<Store['saveTaskProgress']>[2], now: number) {
    return this.#engine.saveTaskProgress(id, owner, step, now);
  }

  insertDeliveries(tenantId: string, eventId: string, deliveries: NewDelivery[], now: number, fence?: TaskFence) {
    return this.#engine.insertDeliveries(tenantId, eventId, deliveries, now, fence);
  }

  subscriptionsReached(tenantId: string, eventId: string, subscriptionIds: string[]) {
    return this.#engine.subscriptionsReached(tenantId, eventId, subscriptionIds);
  }

  cancelScheduledDeliveries(tenantId: string, eventId: string, now: number) {
    return this.#engine.cancelScheduledDeliveries(tenantId, eventId, now);
  }

  requeueFailedDeliveries(query: Parameters<Store['requeueFailedDeliveries']>[0], now: number) {
    return this.#engine.requeueFailedDeliveries(query, now);
  }

  exportRows(table: Parameters<Store['exportRows']>[0], after: string | null, limit: number) {
    return exportRows(this.#db, table, after, limit);
  }

  importRows(table: Parameters<Store['importRows']>[0], rows: Parameters<Store['importRows']>[1]) {
    return importRows(this.#db, table, rows);
  }
}

async function reindexEventTypes(client: Queryable, tenantId: string, id: string, eventTypes: string[]): Promise<void> {
  await client.query('DELETE FROM subscription_event_types WHERE subscription_id = $1', [id]);
  await client.query(INDEX_EVENT_TYPES, [tenantId, id, eventTypes]);
}
