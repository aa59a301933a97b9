import type Database from 'better-sqlite3';
import type { ClaimedDelivery, Delivery, DeliveryWithAttempts, HookEvent, Page, PageRequest, Subscription } from '../../core/model.js';
import { decodeCursor, toPage } from '../cursor.js';
import type { ClaimRequest, DeliveryOutcome, DeliveryQuery, InsertEventResult, NewDelivery } from '../store.js';
import {
  toAttempt,
  toDelivery,
  toEvent,
  toSubscription,
  type DbAttempt,
  type DbDelivery,
  type DbEvent,
  type DbSubscription,
} from './sqlite-rows.js';

/** The deliveries-table queue on SQLite: publish, claim, lease, record. Statements are prepared once. */
export type SqliteQueue = ReturnType<typeof createSqliteQueue>;

/** Prepares the queue statements on a migrated database. */
export function createSqliteQueue(db: Database.Database) {
  const insertEvent = db.prepare(
    `INSERT INTO events (tenant_id, id, type, data, resource_id, created_at, deliver_at)
     VALUES (@tenant_id, @id, @type, @data, @resource_id, @created_at, @deliver_at) ON CONFLICT DO NOTHING`,
  );
  const selectEvent = db.prepare('SELECT * FROM events WHERE tenant_id = ? AND id = ?');
  const insertDelivery = db.prepare(
    `INSERT INTO deliveries (id, tenant_id, event_id, subscription_id, status, attempt_count, due_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
  );

  // Pending rows due now and in-flight rows whose lease ran out, oldest first, of active subscriptions.
  // due_at is the lease expiry while in flight, so one indexed range covers both.
  const claim = db.prepare(
    `UPDATE deliveries SET status = 'in_flight', lease_owner = @owner, due_at = @until, updated_at = @now
     WHERE id IN (
       SELECT d.id FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id
       WHERE d.due_at <= @now AND s.active = 1
       ORDER BY d.due_at LIMIT @limit)
     RETURNING *`,
  );
  const claimedEvents = db.prepare(
    `SELECT DISTINCT e.* FROM deliveries d JOIN events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id
     WHERE d.id IN (SELECT value FROM json_each(?))`,
  );
  const claimedSubscriptions = db.prepare(
    `SELECT DISTINCT s.* FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id
     WHERE d.id IN (SELECT value FROM json_each(?))`,
  );

  // Through the due index: in-flight rows always have due_at (their lease expiry).
  const returnOrphans = db.prepare(
    `UPDATE deliveries SET status = 'pending', lease_owner = NULL, due_at = @now, updated_at = @now
     WHERE due_at IS NOT NULL AND status = 'in_flight'`,
  );
  const renew = db.prepare(
    `UPDATE deliveries SET due_at = ? WHERE lease_owner = ? AND status = 'in_flight' AND id IN (SELECT value FROM json_each(?))`,
  );
  const release = db.prepare(
    `UPDATE deliveries SET status = 'pending', lease_owner = NULL, due_at = ?, updated_at = ?
     WHERE lease_owner = ? AND status = 'in_flight' AND id IN (SELECT value FROM json_each(?))`,
  );
  // ON CONFLICT: recording a batch again (a retry after an error) must not fail on the attempts already written.
  const insertAttempt = db.prepare(
    `INSERT INTO attempts (id, delivery_id, number, started_at, duration_ms, status_code, response_body, error_class, error_message, succeeded)
     VALUES (@id, @deliveryId, @number, @startedAt, @durationMs, @statusCode, @responseBody, @errorClass, @errorMessage, @succeeded)
     ON CONFLICT (id) DO NOTHING`,
  );
  const finishAttempt = db.prepare(
    `UPDATE deliveries SET status = @status, attempt_count = @number, due_at = @dueAt, lease_owner = NULL,
       last_status_code = @statusCode, last_error = @lastError, updated_at = @now
     WHERE id = @id AND lease_owner = @owner AND status = 'in_flight'`,
  );
  const disableSubscription = db.prepare(
    'UPDATE subscriptions SET active = 0, disabled_reason = ?, updated_at = ? WHERE id = ? AND active = 1',
  );
  const requeue = db.prepare(
    `UPDATE deliveries SET status = 'pending', due_at = @now, lease_owner = NULL, updated_at = @now
     WHERE tenant_id = @tenantId AND id = @id AND status <> 'in_flight' RETURNING *`,
  );
  const selectDelivery = db.prepare('SELECT * FROM deliveries WHERE tenant_id = ? AND id = ?');
  const selectDeliveryPage = db.prepare(
    `SELECT * FROM deliveries WHERE tenant_id = @tenantId AND id < @before
             AND (@eventId IS NULL OR event_id = @eventId)
             AND (@subscriptionId IS NULL OR subscription_id = @subscriptionId)
             AND (@status IS NULL OR status = @status)
           ORDER BY id DESC LIMIT @limit`,
  );
  const selectAttempts = db.prepare(
    'SELECT * FROM attempts WHERE delivery_id IN (SELECT value FROM json_each(?)) ORDER BY delivery_id, number',
  );

  // Queue bookkeeping (claims, lease renewals, releases, attempt records) commits without an
  // fsync: losing such a commit to a power cut only means a delivery is sent again, which
  // at-least-once delivery allows. Publishes and API writes keep synchronous = FULL.
  const relaxSync = db.prepare('PRAGMA synchronous = NORMAL');
  const restoreSync = db.prepare('PRAGMA synchronous = FULL');
  const withoutFsync = <A extends unknown[], R>(work: (...args: A) => R) => {
    const transaction = db.transaction(work);
    return (...args: A): R => {
      relaxSync.run();
      try {
        return transaction(...args);
      } finally {
        restoreSync.run();
      }
    };
  };

  const withAttempts = (deliveries: Delivery[]): DeliveryWithAttempts[] => {
    if (deliveries.length === 0) return [];
    const byDelivery = new Map<string, DeliveryWithAttempts>(deliveries.map((d) => [d.id, { ...d, attempts: [] }]));
    for (const row of selectAttempts.all(JSON.stringify(deliveries.map((d) => d.id))) as DbAttempt[]) {
      byDelivery.get(row.delivery_id)?.attempts.push(toAttempt(row));
    }
    return [...byDelivery.values()];
  };

  return {
    insertEventWithDeliveries: db.transaction((event: HookEvent, deliveries: NewDelivery[]): InsertEventResult => {
      const inserted = insertEvent.run({
        tenant_id: event.tenantId,
        id: event.id,
        type: event.type,
        data: JSON.stringify(event.data),
        resource_id: event.resourceId,
        created_at: event.createdAt,
        deliver_at: event.deliverAt,
      });
      if (inserted.changes === 0) {
        return { created: false, event: toEvent(selectEvent.get(event.tenantId, event.id) as DbEvent) };
      }
      for (const d of deliveries) {
        insertDelivery.run(d.id, event.tenantId, event.id, d.subscriptionId, d.dueAt, event.createdAt, event.createdAt);
      }
      return { created: true, event };
    }),

    claimDueDeliveries: withoutFsync((request: ClaimRequest): ClaimedDelivery[] => {
      const rows = claim.all({
        owner: request.owner,
        now: request.now,
        until: request.now + request.leaseMs,
        limit: request.limit,
      }) as DbDelivery[];
      if (rows.length === 0) return [];
      const ids = JSON.stringify(rows.map((r) => r.id));
      const events = new Map<string, HookEvent>();
      for (const row of claimedEvents.all(ids) as DbEvent[]) events.set(`${row.tenant_id}\u0000${row.id}`, toEvent(row));
      const subscriptions = new Map<string, Subscription>();
      for (const row of claimedSubscriptions.all(ids) as DbSubscription[]) subscriptions.set(row.id, toSubscription(row));
      return rows.map((row) => ({
        delivery: toDelivery(row),
        event: events.get(`${row.tenant_id}\u0000${row.event_id}`)!,
        subscription: subscriptions.get(row.subscription_id)!,
      }));
    }),

    returnOrphanedDeliveries: (now: number): number => returnOrphans.run({ now }).changes,

    renewLeases: withoutFsync((owner: string, ids: string[], until: number) => {
      if (ids.length > 0) renew.run(until, owner, JSON.stringify(ids));
    }),

    releaseDeliveries: withoutFsync((owner: string, ids: string[], dueAt: number) => {
      if (ids.length > 0) release.run(dueAt, Date.now(), owner, JSON.stringify(ids));
    }),

    recordOutcomes: withoutFsync((outcomes: DeliveryOutcome[]) => {
      const now = Date.now();
      for (const outcome of outcomes) {
        const { attempt } = outcome;
        insertAttempt.run({ ...attempt, succeeded: attempt.succeeded ? 1 : 0 });
        finishAttempt.run({
          id: outcome.deliveryId,
          owner: outcome.owner,
          status: outcome.status,
          number: attempt.number,
          dueAt: outcome.status === 'pending' ? outcome.nextAttemptAt : null,
          statusCode: attempt.statusCode,
          lastError: attempt.errorClass,
          now,
        });
        if (outcome.disableSubscription) {
          disableSubscription.run(outcome.disableSubscription.reason, now, outcome.disableSubscription.id);
        }
      }
    }),

    requeueDelivery(tenantId: string, id: string, now: number) {
      const row = requeue.get({ tenantId, id, now }) as DbDelivery | undefined;
      if (row) return { requeued: true, delivery: toDelivery(row) };
      const current = selectDelivery.get(tenantId, id) as DbDelivery | undefined;
      return current && { requeued: false, delivery: toDelivery(current) };
    },

    getDelivery(tenantId: string, id: string): DeliveryWithAttempts | undefined {
      const row = selectDelivery.get(tenantId, id) as DbDelivery | undefined;
      return row && withAttempts([toDelivery(row)])[0];
    },

    listDeliveries(tenantId: string, query: DeliveryQuery, page: PageRequest): Page<DeliveryWithAttempts> {
      // Newest first; ids are time-ordered, so the cursor is the last id shown.
      const before = decodeCursor(page.cursor) ?? '\uffff';
      const rows = selectDeliveryPage.all({
          tenantId,
          before,
          eventId: query.eventId ?? null,
          subscriptionId: query.subscriptionId ?? null,
          status: query.status ?? null,
          limit: page.limit + 1,
        }) as DbDelivery[];
      const pageOfRows = toPage(rows.map(toDelivery), page.limit, (d) => d.id);
      return { items: withAttempts(pageOfRows.items), nextCursor: pageOfRows.nextCursor };
    },
  };
}
