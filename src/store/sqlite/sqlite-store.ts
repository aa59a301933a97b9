import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { openDatabase } from './native-handles.js';
import { writeGateWithoutBlocking, type GatedWithoutBlocking } from './write-gate.js';
import { takeSenderLock, type SenderLock } from './sqlite-sender-lock.js';
import { toSqliteStoreError } from './sqlite-errors.js';
import { explainSqliteHotQueries } from './sqlite-explain.js';
import { createSqliteParking, type SqliteParking } from './sqlite-parking.js';
import { writesAwaitClaim, writesDeliveries } from '../new-deliveries.js';
import type { ApiKey, AuditEntry, DeliveryStatus, EventType, HookEvent, PageRequest, Subscription, Tenant } from '../../core/model.js';
import { HookpostError } from '../../core/errors.js';
import { decodeCursor, decodeTimeCursor, timeKey, toPage } from '../cursor.js';
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
import type { ApplicationStore } from '../store.js';
import type { TaskFence } from '../engine-store.js';
import { DEFAULT_QUEUE_OPTIONS } from '../store.js';
import { usageOf } from '../usage.js';
import { uidTaken } from '../uids.js';
import { createSqliteApplications } from './sqlite-applications.js';
import { createSqliteEngine, type SqliteEngine } from './sqlite-engine.js';
import { createSqliteQueue, type SqliteQueue } from './sqlite-queue.js';
import { createSqliteSecurity, type SqliteSecurity } from './sqlite-security.js';
import { migrateSqlite } from './sqlite-migrate.js';
import { createSqliteOperations } from './sqlite-operations.js';
import { exportSqliteRows, importSqliteRows } from './sqlite-transfer.js';
import {
  fromSubscription,
  toApiKey,
  toEvent,
  toEventType,
  toSubscription,
  toTenant,
  type DbApiKey,
  type DbEvent,
  type DbEventType,
  type DbSubscription,
  type DbTenant,
} from './sqlite-rows.js';

/** Opens (creating if needed) the SQLite file at `file` in WAL mode. */
export function openSqliteStore(file: string, options: QueueOptions = DEFAULT_QUEUE_OPTIONS): Store {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = openDatabase(file);
  db.prepare('PRAGMA journal_mode = WAL').get();
  // FULL: a publish is acknowledged only after its commit reached the disk, power loss included.
  db.prepare('PRAGMA synchronous = FULL').run();
  db.prepare('PRAGMA foreign_keys = ON').run();
  db.prepare('PRAGMA busy_timeout = 5000').get();
  return new SqliteStore(db, file, options);
}

const SUBSCRIPTION_COLUMNS = Object.keys(fromSubscription({} as Subscription));

// The ApplicationStore methods come from sqlite-applications.ts, assigned in the constructor.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
interface SqliteStore extends ApplicationStore {}

class SqliteStore implements Store {
  readonly capabilities = { concurrentClaimers: false, crossProcessWakeups: false };
  readonly #db: Database.Database;
  readonly #wakeups = new EventEmitter();
  readonly #statements = new Map<string, Database.Statement>();
  #queue: SqliteQueue | undefined;
  #security: SqliteSecurity | undefined;
  #engine: SqliteEngine | undefined;

  readonly #file: string;
  #senderLock: SenderLock | null = null;

  readonly #queueOptions: QueueOptions;
  /** Runs a queue write once this process's other threads let go of the file (see write-gate.ts). */
  readonly #queueWrite: GatedWithoutBlocking;
  #parking: SqliteParking | undefined;

  constructor(db: Database.Database, file: string, queueOptions: QueueOptions) {
    this.#db = db;
    this.#file = file;
    this.#queueOptions = queueOptions;
    // The delivery thread's claims and outcomes wait for the API thread's commits without blocking
    // its event loop: sends and responses go on meanwhile.
    this.#queueWrite = writeGateWithoutBlocking(file) ?? (async (work) => work());
    this.#wakeups.setMaxListeners(0);
    Object.assign(this, createSqliteApplications(db));
  }

  // Statements are prepared after migrate(), when the tables exist.
  get #q(): SqliteQueue {
    this.#queue ??= createSqliteQueue(this.#db, this.#queueOptions);
    return this.#queue;
  }

  get #p(): SqliteParking {
    this.#parking ??= createSqliteParking(this.#db);
    return this.#parking;
  }

  get #s(): SqliteSecurity {
    this.#security ??= createSqliteSecurity(this.#db);
    return this.#security;
  }

  get #e(): SqliteEngine {
    this.#engine ??= createSqliteEngine(this.#db, () => this.#wakeups.emit('due'));
    return this.#engine;
  }

  async migrate() {
    migrateSqlite(this.#db);
  }

  async pendingMigrations() {
    return createSqliteOperations(this.#db).pendingMigrations();
  }

  async dueBacklog(now: number) {
    return createSqliteOperations(this.#db).dueBacklog(now);
  }

  async close() {
    this.#wakeups.removeAllListeners();
    this.#db.close();
    this.#senderLock?.release();
  }

  async explainHotQueries() {
    return explainSqliteHotQueries(this.#db);
  }

  // Only one process sends from a SQLite file, so once it holds the lock, every row still in
  // flight was held by a process that died: it is due again now rather than when its lease ends.
  async takeOverSending(now: number) {
    if (this.#file !== ':memory:') this.#senderLock ??= takeSenderLock(path.resolve(this.#file));
    return this.#q.returnOrphanedDeliveries(now);
  }

  async insertTenant(tenant: Tenant) {
    const result = this.#sql('INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING')
      .run(tenant.id, tenant.name, tenant.createdAt);
    if (result.changes === 0) throw new HookpostError('conflict', `A tenant with id ${tenant.id} exists already.`);
  }

  configVersion() {
    return this.#sql('SELECT value FROM config_generation WHERE id = 1').pluck().get() as number;
  }

  async getTenant(id: string) {
    const row = this.#sql('SELECT * FROM tenants WHERE id = ? AND deleted_at IS NULL').get(id) as DbTenant | undefined;
    return row && toTenant(row);
  }

  async listTenants(page: PageRequest) {
    const after = decodeCursor(page.cursor) ?? '';
    const rows = this.#sql('SELECT * FROM tenants WHERE id > ? AND deleted_at IS NULL ORDER BY id LIMIT ?').all(after, page.limit + 1) as DbTenant[];
    return toPage(rows.map(toTenant), page.limit, (t) => t.id);
  }

  async deleteTenant(id: string, at: number) {
    return this.#p.softDeleteTenant(id, at);
  }

  async insertApiKey(key: ApiKey) {
    this.#sql(
        `INSERT INTO api_keys (id, tenant_id, name, scopes, token_hash, created_at, last_used_at, revoked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(key.id, key.tenantId, key.name, JSON.stringify(key.scopes), key.tokenHash, key.createdAt, key.lastUsedAt, key.revokedAt);
  }

  async findApiKeyByHash(tokenHash: string) {
    const row = this.#sql('SELECT * FROM api_keys WHERE token_hash = ?').get(tokenHash) as DbApiKey | undefined;
    return row && toApiKey(row);
  }

  async touchApiKey(id: string, at: number) {
    this.#sql('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(at, id);
  }

  async getApiKey(id: string) {
    return this.#s.getApiKey(id);
  }

  async listApiKeys(tenantId: string | null, page: PageRequest) {
    return this.#s.listApiKeys(tenantId, page);
  }

  async revokeApiKey(id: string, at: number) {
    return this.#s.revokeApiKey(id, at);
  }

  async insertAuditEntries(entries: AuditEntry[]) {
    this.#db.transaction(() => {
      for (const entry of entries) this.#s.insertAuditEntry(entry);
    })();
  }

  async listAuditEntries(query: AuditQuery, page: PageRequest) {
    return this.#s.listAuditEntries(query, page);
  }

  async listSealedSecrets(afterId: string | null, limit: number) {
    return this.#s.listSealedSecrets(afterId, limit);
  }

  async replaceSealedSecrets(changes: SealedValueChange[]) {
    return this.#s.replaceSealedSecrets(changes);
  }

  async upsertEventType(t: EventType) {
    this.#sql(
        `INSERT INTO event_types (name, description, schema, example, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET description = excluded.description, schema = excluded.schema,
           example = excluded.example, updated_at = excluded.updated_at`,
      )
      .run(t.name, t.description, json(t.schema), json(t.example), t.createdAt, t.updatedAt);
  }

  async getEventType(name: string) {
    const row = this.#sql('SELECT * FROM event_types WHERE name = ?').get(name) as DbEventType | undefined;
    return row && toEventType(row);
  }

  async listEventTypes(page: PageRequest) {
    const after = decodeCursor(page.cursor) ?? '';
    const rows = this.#sql('SELECT * FROM event_types WHERE name > ? ORDER BY name LIMIT ?')
      .all(after, page.limit + 1) as DbEventType[];
    return toPage(rows.map(toEventType), page.limit, (t) => t.name);
  }

  async insertSubscription(subscription: Subscription) {
    const row = fromSubscription(subscription);
    try {
      this.#db.transaction(() => {
        this.#sql(`INSERT INTO subscriptions (${SUBSCRIPTION_COLUMNS.join(', ')}) VALUES (${SUBSCRIPTION_COLUMNS.map((c) => '@' + c).join(', ')})`)
          .run(row);
        this.#indexEventTypes(subscription.tenantId, subscription.id, subscription.eventTypes);
      })();
    } catch (error) {
      // The only unique key a caller chooses is the uid (subscriptions_by_uid).
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw uidTaken(subscription);
      throw error;
    }
  }

  async insertSubscriptionSharingSecret(subscription: Subscription) {
    return this.#db.transaction(() => {
      const sibling = this.#sql('SELECT sealed_secret FROM subscriptions WHERE tenant_id = ? AND format = ? ORDER BY id LIMIT 1').get(
        subscription.tenantId,
        subscription.format,
      ) as { sealed_secret: string } | undefined;
      const stored = sibling ? { ...subscription, sealedSecret: sibling.sealed_secret } : subscription;
      this.#sql(`INSERT INTO subscriptions (${SUBSCRIPTION_COLUMNS.join(', ')}) VALUES (${SUBSCRIPTION_COLUMNS.map((c) => '@' + c).join(', ')})`)
        .run(fromSubscription(stored));
      this.#indexEventTypes(stored.tenantId, stored.id, stored.eventTypes);
      return stored;
    })();
  }

  async getSubscription(tenantId: string, id: string) {
    const row = this.#sql('SELECT * FROM subscriptions WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL').get(tenantId, id) as
      | DbSubscription
      | undefined;
    return row && toSubscription(row);
  }

  async listSubscriptions(tenantId: string, query: SubscriptionQuery, page: PageRequest) {
    const [from, compare, order] = query.descending ? [decodeCursor(page.cursor) ?? '\uffff', '<', 'DESC'] : [decodeCursor(page.cursor) ?? '', '>', 'ASC'];
    const byApplication = query.applicationId !== undefined;
    // `IS ?` matches NULL too: null asks for the subscriptions of no application.
    const rows = this.#sql(
        `SELECT * FROM subscriptions WHERE tenant_id = ? AND id ${compare} ? AND deleted_at IS NULL AND (? IS NULL OR format = ?)
         AND (? = 0 OR application_id IS ?) ORDER BY id ${order} LIMIT ?`,
      )
      .all(tenantId, from, query.format ?? null, query.format ?? null, byApplication ? 1 : 0, query.applicationId ?? null, page.limit + 1) as DbSubscription[];
    return toPage(rows.map(toSubscription), page.limit, (s) => s.id);
  }

  async updateSubscription(tenantId: string, id: string, change: SubscriptionChanges | SubscriptionChange, at: number) {
    const updated = this.#db.transaction(() => {
      const current = this.#sql('SELECT * FROM subscriptions WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL').get(tenantId, id) as
        | DbSubscription
        | undefined;
      if (!current) return undefined;
      const before = toSubscription(current);
      const changes = typeof change === 'function' ? change(before) : change;
      const next: Subscription = { ...before, ...changes, updatedAt: at };
      const row = fromSubscription(next);
      this.#sql(`UPDATE subscriptions SET ${SUBSCRIPTION_COLUMNS.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`)
        .run(row);
      if (changes.eventTypes) {
        this.#sql('DELETE FROM subscription_event_types WHERE subscription_id = ?').run(id);
        this.#indexEventTypes(tenantId, id, changes.eventTypes);
      }
      // Re-enabled: its failures are forgiven, so the next one neither reopens a circuit nor disables it again.
      if (changes.active === true && current.active !== 1) {
        this.#sql("UPDATE subscriptions SET circuit = 'closed', circuit_retry_at = NULL, consecutive_failures = 0, failing_since = NULL WHERE id = ?").run(id);
      }
      return { next, active: changes.active, wasActive: current.active === 1 };
    })();
    if (!updated) return undefined;
    // A paused or disabled subscription's deliveries leave the due index; re-enabled, they return.
    if (updated.active !== undefined && updated.active !== updated.wasActive) await this.#p.setParked(id, !updated.active);
    if (updated.active === true) this.#wakeups.emit('due');
    return updated.next;
  }

  async deleteSubscription(tenantId: string, id: string) {
    return this.#p.softDelete(tenantId, id, Date.now());
  }

  async findSubscriptionsForEvent(tenantId: string, eventType: string) {
    const rows = this.#sql(
        `SELECT s.* FROM subscription_event_types t JOIN subscriptions s ON s.id = t.subscription_id
         WHERE t.tenant_id = ? AND t.event_type IN (?, '*') AND s.active = 1 ORDER BY s.id`,
      )
      .all(tenantId, eventType) as DbSubscription[];
    return rows.map(toSubscription);
  }

  async insertEvents(items: NewEventWrite[]): Promise<InsertEventResult[]> {
    // One transaction, so one fsync, for the whole group (sqlite-queue.ts, insertEvents).
    let results: InsertEventResult[];
    try {
      results = this.#q.insertEvents(items);
    } catch (error) {
      // A full disk (or a failing one) answers 503 to every call of the group: none was acknowledged.
      throw toSqliteStoreError(error);
    }
    this.#announceWrites(items, results);
    return results;
  }

  async insertEventWithDeliveries(event: HookEvent, deliveries: NewDelivery[]): Promise<InsertEventResult> {
    let result: InsertEventResult;
    try {
      result = this.#q.insertEventWithDeliveries(event, deliveries);
    } catch (error) {
      // A full disk (or a failing one) answers 503: the event was not acknowledged, so nothing is lost.
      throw toSqliteStoreError(error);
    }
    if (result.uidTaken) throw uidTaken(event);
    this.#announceWrites([{ event, deliveries }], [result]);
    return result;
  }

  /** Tells stream long polls that events with deliveries were written, and dispatchers when some await a claim. */
  #announceWrites(items: NewEventWrite[], results: InsertEventResult[]): void {
    if (writesDeliveries(items, results)) this.#wakeups.emit('written');
    if (writesAwaitClaim(items, results)) this.#wakeups.emit('due');
  }

  async getEvent(tenantId: string, id: string) {
    const row = this.#sql('SELECT * FROM events WHERE tenant_id = ? AND id = ?').get(tenantId, id) as DbEvent | undefined;
    return row && toEvent(row);
  }

  async listEvents(tenantId: string, page: PageRequest) {
    // Newest first; the cursor holds "created_at:id" of the last row shown.
    const before = decodeTimeCursor(page.cursor);
    const [beforeTime, beforeId] = before ?? [Number.MAX_SAFE_INTEGER, '\uffff'];
    const rows = this.#sql(
      `SELECT * FROM events WHERE tenant_id = ? AND (created_at < ? OR (created_at = ? AND id < ?))
       ORDER BY created_at DESC, id DESC LIMIT ?`,
    ).all(tenantId, beforeTime, beforeTime, beforeId, page.limit + 1) as DbEvent[];
    return toPage(rows.map(toEvent), page.limit, (e) => timeKey(e.createdAt, e.id));
  }

  getDelivery(tenantId: string, id: string) {
    return Promise.resolve(this.#q.getDelivery(tenantId, id));
  }

  listDeliveries(tenantId: string, query: DeliveryQuery, page: PageRequest) {
    return Promise.resolve(this.#q.listDeliveries(tenantId, query, page));
  }

  async listSubscriptionStream(tenantId: string, subscriptionId: string, after: string, limit: number) {
    return this.#q.listSubscriptionStream(tenantId, subscriptionId, after, limit);
  }

  async requeueDelivery(tenantId: string, id: string, now: number) {
    const result = this.#q.requeueDelivery(tenantId, id, now);
    if (result?.requeued) this.#wakeups.emit('due');
    return result;
  }

  claimDueDeliveries(request: Parameters<Store['claimDueDeliveries']>[0]) {
    return this.#queueWrite(() => this.#q.claimDueDeliveries(request));
  }

  async renewLeases(owner: string, deliveryIds: string[], until: number) {
    await this.#queueWrite(() => this.#q.renewLeases(owner, deliveryIds, until));
  }

  async takeHandedOff(owner: string, deliveryIds: string[], now: number) {
    if (deliveryIds.length === 0) return [];
    const { sendable, blocked } = this.#q.readHandedOff(owner, deliveryIds);
    if (blocked.length > 0) await this.#queueWrite(() => this.#q.releaseDeliveries(owner, blocked, now));
    return sendable;
  }

  async releaseDeliveries(owner: string, deliveryIds: string[], dueAt: number) {
    await this.#queueWrite(() => this.#q.releaseDeliveries(owner, deliveryIds, dueAt));
  }

  async recordOutcomes(outcomes: Parameters<Store['recordOutcomes']>[0]) {
    const disabled = await this.#queueWrite(() => this.#q.recordOutcomes(outcomes));
    // Switched off (a 410, or failing for too long): park in the background (the claim skips inactive subscriptions meanwhile).
    for (const id of disabled) void this.#p.setParked(id, true).catch(() => undefined);
  }

  async getEndpointHealth(subscriptionId: string, now: number) {
    return this.#q.getEndpointHealth(subscriptionId, now);
  }

  async listOperationalNotices(limit: number) {
    return this.#q.listOperationalNotices(limit);
  }

  async deleteOperationalNotices(ids: string[]) {
    this.#q.deleteOperationalNotices(ids);
  }

  async deleteExpiredEvents(tenantId: string, before: number, limit: number) {
    // Through events_by_time; the cascade takes each event's deliveries (deliveries_by_event) and their attempts.
    return this.#sql(
      `DELETE FROM events WHERE tenant_id = @tenantId AND id IN (
         SELECT e.id FROM events e WHERE e.tenant_id = @tenantId AND e.created_at < @before
           AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.tenant_id = e.tenant_id AND d.event_id = e.id AND d.status IN ('pending', 'in_flight'))
         LIMIT @limit)`,
    ).run({ tenantId, before, limit }).changes;
  }

  async deleteExpiredHealth(tenantId: string, before: number, limit: number) {
    // Each subscription's rows through the primary key (subscription_id, minute).
    return this.#sql(
      `DELETE FROM endpoint_health WHERE rowid IN (
         SELECT h.rowid FROM subscriptions s JOIN endpoint_health h ON h.subscription_id = s.id AND h.minute < @before
         WHERE s.tenant_id = @tenantId LIMIT @limit)`,
    ).run({ tenantId, before, limit }).changes;
  }

  async tenantUsage(tenantId: string) {
    const count = (sql: string) => (this.#sql(sql).get(tenantId) as { n: number }).n;
    const byStatus = this.#sql('SELECT status, COUNT(*) AS n FROM deliveries WHERE tenant_id = ? GROUP BY status').all(tenantId) as { status: DeliveryStatus; n: number }[];
    return usageOf({
      events: count('SELECT COUNT(*) AS n FROM events WHERE tenant_id = ?'),
      byStatus,
      attempts: count('SELECT COUNT(*) AS n FROM deliveries d JOIN attempts a ON a.delivery_id = d.id WHERE d.tenant_id = ?'),
      subscriptions: count('SELECT COUNT(*) AS n FROM subscriptions WHERE tenant_id = ? AND deleted_at IS NULL'),
    });
  }

  onDeliveriesDue(listener: () => void) {
    this.#wakeups.on('due', listener);
    return () => void this.#wakeups.off('due', listener);
  }

  onEventsWritten(listener: () => void) {
    this.#wakeups.on('written', listener);
    return () => void this.#wakeups.off('written', listener);
  }

  onTasksDue(listener: () => void) {
    this.#wakeups.on('tasks', listener);
    return () => void this.#wakeups.off('tasks', listener);
  }

  async exportRows(table: Parameters<Store['exportRows']>[0], after: string | null, limit: number) {
    return exportSqliteRows(this.#db, table, after, limit);
  }

  async importRows(table: Parameters<Store['importRows']>[0], rows: Parameters<Store['importRows']>[1]) {
    importSqliteRows(this.#db, table, rows);
  }

  async rotateSubscriptionSecret(tenantId: string, id: string, nextSealed: string, previousExpiresAt: number | null, at: number) {
    return this.#e.rotateSubscriptionSecret(tenantId, id, nextSealed, previousExpiresAt, at);
  }

  async startTask(task: Parameters<Store['startTask']>[0], requestKey: string) {
    const started = this.#e.startTask(task, requestKey);
    if (started.created) this.#wakeups.emit('tasks');
    return started;
  }

  async getTask(tenantId: string, id: string) {
    return this.#e.getTask(tenantId, id);
  }

  async claimTask(owner: string, now: number, leaseMs: number) {
    return this.#e.claimTask(owner, now, leaseMs);
  }

  async saveTaskProgress(id: string, owner: string, step: Parameters<Store['saveTaskProgress']>[2], now: number) {
    return this.#e.saveTaskProgress(id, owner, step, now);
  }

  async insertDeliveries(tenantId: string, eventId: string, deliveries: NewDelivery[], now: number, fence?: TaskFence) {
    return this.#e.insertDeliveries(tenantId, eventId, deliveries, now, fence);
  }

  async subscriptionsReached(tenantId: string, eventId: string, subscriptionIds: string[]) {
    return this.#e.subscriptionsReached(tenantId, eventId, subscriptionIds);
  }

  async cancelScheduledDeliveries(tenantId: string, eventId: string, now: number) {
    return this.#e.cancelScheduledDeliveries(tenantId, eventId, now);
  }

  async requeueFailedDeliveries(query: Parameters<Store['requeueFailedDeliveries']>[0], now: number) {
    return this.#e.requeueFailedDeliveries(query, now);
  }

  /** A prepared statement, prepared once per SQL text: preparing costs more than running. */
  #sql(text: string): Database.Statement {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  #indexEventTypes(tenantId: string, subscriptionId: string, eventTypes: string[]) {
    const insert = this.#sql(
      'INSERT OR IGNORE INTO subscription_event_types (tenant_id, event_type, subscription_id) VALUES (?, ?, ?)',
    );
    for (const type of eventTypes) insert.run(tenantId, type, subscriptionId);
  }
}

function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
