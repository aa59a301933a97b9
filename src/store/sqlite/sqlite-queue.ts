import type Database from 'better-sqlite3';
import type { ClaimedDelivery, Delivery, DeliveryWithAttempts, HookEvent, Page, PageRequest, Subscription, Task } from '../../core/model.js';
import { fromTask } from '../rows.js';
import { decodeCursor, toPage } from '../cursor.js';
import { CLAIM_ROUNDS, CLAIM_SCAN_SUBSCRIPTIONS, claimShares, nextRound } from '../claim-shares.js';
import { ClaimTurns } from '../claim-turns.js';
import { dayWindowStart, healthWindows, planHealth, subscriptionsOf, type EndpointHealth, type HealthBucket, type OperationalNotice, type StoredCircuit } from '../endpoint-health.js';
import { LimitedClaim, limitedIds, toCandidate, toThrottle, type CandidateRow, type ThrottleRow } from '../limited-claim.js';
import { MIN_ADAPTED_RATE } from '../subscription-limits.js';
import { ORDERED_HEAD } from '../ordering-sql.js';
import { dueAtOf } from '../new-deliveries.js';
import { DecodedSubscriptions } from '../decoded-subscriptions.js';
import type { ClaimRequest, DeliveryOutcome, DeliveryQuery, InsertEventResult, NewDelivery, NewEventWrite, NewLeasedTask, QueueOptions, StreamItem, Lease } from '../store.js';
import {
  deliveryOfValues,
  encodeRow,
  eventForDeliveryOfValues,
  selectList,
  toAttempt,
  toDelivery,
  toEvent,
  toSubscription,
  type DbAttempt,
  type DbDelivery,
  type DbEvent,
  type DbSubscription,
} from './sqlite-rows.js';

/** The subscriptions with due work after @after, by id, with their tenants: a loose index scan of
 * deliveries_due (one probe per subscription, however many rows each has), with what this claimer
 * holds of each: its in-flight rows whose lease still runs (one whose lease ran out is the claim's
 * to take back, migration 0016). The tenant comes from the subscription's row, so the scan needs no
 * other index.
 * CROSS JOIN keeps the scan's subscriptions as the outer loop, each read by its key: with a plain
 * JOIN SQLite chose to walk every subscription and probe an automatic index of the scan, so a
 * claim cost grew with the number of subscriptions (10,000: 31 ms a claim, 11 ms this way). */
export const CLAIM_CANDIDATES = `WITH RECURSIVE subs(id) AS (
     SELECT (SELECT subscription_id FROM deliveries
             WHERE subscription_id > @after AND due_at IS NOT NULL AND parked = 0 ORDER BY subscription_id LIMIT 1)
     UNION ALL
     SELECT (SELECT subscription_id FROM deliveries
             WHERE subscription_id > subs.id AND due_at IS NOT NULL AND parked = 0 ORDER BY subscription_id LIMIT 1)
     FROM subs WHERE subs.id IS NOT NULL
     LIMIT @scan
   )
   SELECT s.id AS subscription_id, s.tenant_id, s.circuit, s.rate_limit_per_second, s.max_in_flight,
     (SELECT COUNT(*) FROM deliveries f WHERE f.subscription_id = s.id AND f.status = 'in_flight' AND f.lease_owner = @owner AND f.due_at > @now) AS in_flight
   FROM subs CROSS JOIN subscriptions s ON s.id = subs.id
   WHERE s.active = 1
     AND (s.circuit = 'closed' OR s.circuit_retry_at <= @now)
     AND EXISTS (SELECT 1 FROM deliveries d WHERE d.subscription_id = s.id AND d.due_at <= @now AND d.parked = 0)
   ORDER BY s.id`;

/** Takes the one probe of an open circuit whose cooldown is over (or whose last probe's claim lapsed):
 * the circuit turns half open until @until, so no other claim sends a second probe meanwhile. */
export const TAKE_PROBE = `UPDATE subscriptions SET circuit = 'half_open', circuit_retry_at = @until
   WHERE id = @id AND circuit <> 'closed' AND circuit_retry_at <= @now`;

/** One subscription's share: its pending rows due now and in-flight rows whose lease ran out,
 * oldest first (due_at is the lease expiry while in flight, so one range finds both). An ordered
 * delivery is taken only at the head of its group (ORDERED_HEAD). */
export const CLAIM_SHARE = `UPDATE deliveries SET status = 'in_flight', lease_owner = @owner, due_at = @until, updated_at = @now
   WHERE id IN (
     SELECT id FROM deliveries d
     WHERE subscription_id = @subscriptionId AND due_at <= @now AND parked = 0 AND ${ORDERED_HEAD}
     ORDER BY due_at LIMIT @limit)
   RETURNING ${selectList('deliveries')}`;

/**
 * The small shares, all in one statement: for each listed [subscription, k], the subscription's k
 * oldest due deliveries (pending due now, or in flight with its lease run out; ordered ones only at
 * the head of their group), each found from the one before by one seek of deliveries_due (in its
 * (due_at, rowid) order). A fan-out gives each of its subscriptions a share of one, a backlog over
 * tens of subscriptions a share of a few each, and a CLAIM_SHARE per share cost about 58 µs of CPU
 * a delivery against 8 µs this way (docs/performance.md): the cost was each statement's own, not
 * its row's.
 */
export const CLAIM_SMALL_SHARES = `WITH RECURSIVE picked(subscription_id, share, n, due_at, rid) AS (
     -- Each share starts before its subscription's first row (due times and rowids are never negative).
     SELECT s.value ->> 0, s.value ->> 1, 0, -1, -1 FROM json_each(@shares) s
     UNION ALL
     SELECT prev.subscription_id, prev.share, prev.n + 1, r.due_at, r.rowid
     FROM picked prev JOIN deliveries r ON r.rowid = (
       SELECT d.rowid FROM deliveries d
       WHERE d.subscription_id = prev.subscription_id AND (d.due_at, d.rowid) > (prev.due_at, prev.rid)
         AND d.due_at <= @now AND d.parked = 0 AND ${ORDERED_HEAD}
       ORDER BY d.due_at, d.rowid LIMIT 1)
     WHERE prev.n < prev.share
   )
   UPDATE deliveries SET status = 'in_flight', lease_owner = @owner, due_at = @until, updated_at = @now
   WHERE rowid IN (SELECT rid FROM picked WHERE n > 0)
   RETURNING ${selectList('deliveries')}`;

/** The largest share CLAIM_SMALL_SHARES takes; a larger one is a range of its own (CLAIM_SHARE). */
export const SMALL_SHARE = 16;

/** Inserts one new delivery, pending or, with a lease, in flight (the one statement every fan-out path on SQLite uses). */
export function prepareInsertDelivery(db: Database.Database) {
  const insert = db.prepare(
    `INSERT INTO deliveries (id, tenant_id, event_id, subscription_id, status, attempt_count, due_at, created_at, updated_at, ordering_key, lease_owner)
     VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)`,
  );
  return (tenantId: string, eventId: string, d: NewDelivery, now: number) =>
    insert.run(d.id, tenantId, eventId, d.subscriptionId, d.lease ? 'in_flight' : 'pending', dueAtOf(d), now, now, d.orderingKey ?? null, d.lease?.owner ?? null);
}

/** Inserts a task (unless one with its request key runs for its tenant), leased as given; true if it was. */
export function prepareInsertTask(db: Database.Database) {
  const insert = db.prepare(
    `INSERT INTO tasks (id, tenant_id, kind, request_key, status, params, progress, cursor, lease_owner, lease_until, created_at, updated_at, finished_at)
     VALUES (@id, @tenant_id, @kind, @request_key, @status, @params, @progress, @cursor, @lease_owner, @lease_until, @created_at, @updated_at, @finished_at)
     ON CONFLICT DO NOTHING`,
  );
  return (task: Task, requestKey: string, lease?: Lease): boolean => insert.run(encodeRow('tasks', { ...fromTask(task, requestKey, lease) })).changes > 0;
}

/**
 * The ones of @ids (a JSON array) still leased to @owner, in the array's order, read raw: each one's
 * index in @ids, the columns the caller does not know already (id, status and lease it does), whether
 * its subscription may send now and its revision (migration 0015). Only what is needed: each
 * string column read costs about a tenth of a microsecond, and the full row took 2.7 µs a delivery
 * against 2.0 µs this way (docs/performance.md, "17th session").
 */
const HANDED_OFF = `SELECT k.key, d.tenant_id, d.event_id, d.subscription_id, d.attempt_count, d.last_status_code, d.last_error, d.created_at, d.updated_at,
     s.active = 1 AND s.circuit = 'closed' AS sendable, s.revision AS subscription_revision
   FROM json_each(@ids) k JOIN deliveries d ON d.id = k.value JOIN subscriptions s ON s.id = d.subscription_id
   WHERE d.status = 'in_flight' AND d.lease_owner = @owner`;
type HandedOffValues = [index: number, tenantId: string, eventId: string, subscriptionId: string, attemptCount: number, lastStatusCode: number | null, lastError: string | null, createdAt: number, updatedAt: number, sendable: number, revision: number];

/** A handed-off delivery read by HANDED_OFF: in flight, with no next attempt while its lease runs. */
function handedOffDelivery(id: string, values: HandedOffValues): Delivery {
  const [, tenantId, eventId, subscriptionId, attemptCount, lastStatusCode, lastError, createdAt, updatedAt] = values;
  return { id, tenantId, eventId, subscriptionId, status: 'in_flight', attemptCount, nextAttemptAt: null, lastStatusCode, lastError, createdAt, updatedAt };
}

type CircuitRow = { id: string; active: number; circuit: StoredCircuit['circuit']; circuit_retry_at: number | null; consecutive_failures: number; failing_since: number | null };
type HealthRow = { subscription_id: string; minute: number; successes: number; failures: number; total_ms: number; max_ms: number };
type NoticeRow = { id: string; tenant_id: string; type: string; data: string; created_at: number };
const HEALTHY_ROW: CircuitRow = { id: '', active: 1, circuit: 'closed', circuit_retry_at: null, consecutive_failures: 0, failing_since: null };

function toStoredCircuit(row: CircuitRow): StoredCircuit {
  return {
    id: row.id,
    active: row.active === 1,
    circuit: row.circuit,
    retryAt: row.circuit_retry_at,
    consecutiveFailures: row.consecutive_failures,
    failingSince: row.failing_since,
  };
}

function toHealthBucket(row: HealthRow): HealthBucket {
  return { subscriptionId: row.subscription_id, minute: row.minute, successes: row.successes, failures: row.failures, totalMs: row.total_ms, maxMs: row.max_ms };
}

/** A subscription's stream after a delivery id: its deliveries' events, through deliveries_by_subscription (subscription_id, id). */
export const SUBSCRIPTION_STREAM = `SELECT d.id AS position, e.* FROM deliveries d JOIN events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id
     WHERE d.subscription_id = @subscriptionId AND d.id > @after AND d.tenant_id = @tenantId AND d.status <> 'cancelled'
     ORDER BY d.id LIMIT @limit`;

/** A page of the delivery list, newest first, with only the given filters (`column = @param`). */
export function deliveryPageSql(filters: string[]): string {
  return `SELECT * FROM deliveries WHERE tenant_id = @tenantId AND id < @before ${filters.map((f) => `AND ${f}`).join(' ')}
    ORDER BY id DESC LIMIT @limit`;
}

/** The deliveries-table queue on SQLite: publish, claim, lease, record. Statements are prepared once. */
export type SqliteQueue = ReturnType<typeof createSqliteQueue>;

/** Prepares the queue statements on a migrated database. */
export function createSqliteQueue(db: Database.Database, options: QueueOptions) {
  // Where the next claim's scan and round robin (tenants, then subscriptions) start.
  const turns = new ClaimTurns();
  const insertEvent = db.prepare(
    `INSERT INTO events (tenant_id, id, type, data, resource_id, created_at, deliver_at, application_id, uid, channels, tags, ordering_key, trace_parent)
     VALUES (@tenant_id, @id, @type, @data, @resource_id, @created_at, @deliver_at, @application_id, @uid, @channels, @tags, @ordering_key, @trace_parent)
     ON CONFLICT DO NOTHING`,
  );
  const selectEvent = db.prepare('SELECT * FROM events WHERE tenant_id = ? AND id = ?');
  const insertDelivery = prepareInsertDelivery(db);
  const insertTask = prepareInsertTask(db);

  const candidates = db.prepare(CLAIM_CANDIDATES);
  const takeProbe = db.prepare(TAKE_PROBE);
  // A limited subscription's bucket and what every claimer holds of it (the claim's IMMEDIATE
  // transaction holds the write lock, so no other claim changes either meanwhile).
  const limitState = db.prepare(
    `SELECT t.tokens, t.rate, t.refilled_at, t.blocked_until,
       (SELECT COUNT(*) FROM deliveries f WHERE f.subscription_id = @id AND f.status = 'in_flight' AND f.due_at > @now) AS in_flight
     FROM (SELECT @id AS id) x LEFT JOIN subscription_throttles t ON t.subscription_id = x.id`,
  );
  const saveThrottle = db.prepare(
    `INSERT INTO subscription_throttles (subscription_id, tokens, rate, refilled_at, blocked_until)
     VALUES (@id, @tokens, @rate, @refilledAt, @blockedUntil)
     ON CONFLICT (subscription_id) DO UPDATE SET tokens = excluded.tokens, rate = excluded.rate, refilled_at = excluded.refilled_at`,
  );
  // A 429: the rate in force halves (not below MIN_ADAPTED_RATE), the bucket empties, and nothing is claimed before `until`.
  const slowDown = db.prepare(
    `UPDATE subscription_throttles SET rate = MAX(@minRate, rate / 2), tokens = 0,
       blocked_until = MAX(blocked_until, @until), refilled_at = MAX(refilled_at, @now)
     WHERE subscription_id = @id`,
  );
  // Raw rows, decoded by position (sqlite-rows.ts), as the hand-off's read.
  const claim = db.prepare(CLAIM_SHARE).raw(true);
  const claimSmallShares = db.prepare(CLAIM_SMALL_SHARES).raw(true);
  // The claimed rows' events and subscriptions, each read once by its key: the claim knows the keys,
  // so no join back through deliveries, and no DISTINCT that would compare whole rows (payloads included).
  const claimedEvents = db
    .prepare(`SELECT ${selectList('events', 'e')} FROM json_each(?) k JOIN events e ON e.tenant_id = k.value ->> 0 AND e.id = k.value ->> 1`)
    .raw(true);
  const claimedSubscriptions = db.prepare('SELECT * FROM subscriptions WHERE id IN (SELECT value FROM json_each(?))');
  const subscriptionRevisions = db.prepare('SELECT id, revision FROM subscriptions WHERE id IN (SELECT value FROM json_each(?))');

  // Through deliveries_in_flight.
  const returnOrphans = db.prepare(
    `UPDATE deliveries SET status = 'pending', lease_owner = NULL, due_at = @now, updated_at = @now
     WHERE status = 'in_flight'`,
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
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
  );
  // Parameters in order: status, number, due_at, status code, last error, now, id, owner.
  const finishAttempt = db.prepare(
    `UPDATE deliveries SET status = ?, attempt_count = ?, due_at = ?, lease_owner = NULL, last_status_code = ?, last_error = ?, updated_at = ?
     WHERE id = ? AND lease_owner = ? AND status = 'in_flight'`,
  );
  const selectCircuit = db.prepare('SELECT id, active, circuit, circuit_retry_at, consecutive_failures, failing_since FROM subscriptions WHERE id = ?');
  // A batch's circuits in one statement: a fan-out's outcome batch touches as many subscriptions as outcomes.
  const selectCircuits = db.prepare(
    'SELECT id, active, circuit, circuit_retry_at, consecutive_failures, failing_since FROM subscriptions WHERE id IN (SELECT value FROM json_each(?))',
  );
  const updateCircuit = db.prepare(
    `UPDATE subscriptions SET circuit = @circuit, circuit_retry_at = @retryAt, consecutive_failures = @consecutiveFailures,
       failing_since = @failingSince WHERE id = @id`,
  );
  const addHealthBucket = db.prepare(
    `INSERT INTO endpoint_health (subscription_id, minute, successes, failures, total_ms, max_ms)
     VALUES (@subscriptionId, @minute, @successes, @failures, @totalMs, @maxMs)
     ON CONFLICT (subscription_id, minute) DO UPDATE SET successes = successes + excluded.successes,
       failures = failures + excluded.failures, total_ms = total_ms + excluded.total_ms, max_ms = max(max_ms, excluded.max_ms)`,
  );
  const selectHealth = db.prepare('SELECT * FROM endpoint_health WHERE subscription_id = ? AND minute >= ? ORDER BY minute');
  const insertNotice = db.prepare('INSERT INTO operational_notices (id, tenant_id, type, data, created_at) VALUES (?, ?, ?, ?, ?)');
  const selectNotices = db.prepare('SELECT * FROM operational_notices ORDER BY created_at, id LIMIT ?');
  const deleteNotices = db.prepare('DELETE FROM operational_notices WHERE id IN (SELECT value FROM json_each(?))');
  const disableSubscription = db.prepare(
    'UPDATE subscriptions SET active = 0, disabled_reason = ?, updated_at = ? WHERE id = ? AND active = 1',
  );
  const requeue = db.prepare(
    `UPDATE deliveries SET status = 'pending', due_at = @now, lease_owner = NULL, updated_at = @now
     WHERE tenant_id = @tenantId AND id = @id AND status <> 'in_flight' RETURNING *`,
  );
  const selectDelivery = db.prepare('SELECT * FROM deliveries WHERE tenant_id = ? AND id = ?');
  const selectStream = db.prepare(SUBSCRIPTION_STREAM);
  // One statement per combination of filters, with only the filters given: an "(? IS NULL OR
  // status = ?)" test would keep SQLite from using deliveries_by_status (or _by_event, _by_subscription).
  const deliveryPages = new Map<string, Database.Statement>();
  const selectDeliveryPage = (query: DeliveryQuery) => {
    const filters = [
      query.eventId !== undefined ? 'event_id = @eventId' : null,
      query.subscriptionId !== undefined ? 'subscription_id = @subscriptionId' : null,
      query.status !== undefined ? 'status = @status' : null,
    ].filter((f) => f !== null);
    const key = filters.join(' AND ');
    let statement = deliveryPages.get(key);
    if (statement === undefined) {
      statement = db.prepare(deliveryPageSql(filters));
      deliveryPages.set(key, statement);
    }
    return statement;
  };
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
        // IMMEDIATE: the write lock is taken at BEGIN, so a commit on the other connection (the API
        // thread's, beside the delivery thread's) makes this wait out busy_timeout instead of failing
        // with SQLITE_BUSY when a read transaction tries to become a write one.
        return transaction.immediate(...args);
      } finally {
        restoreSync.run();
      }
    };
  };

  const handedOff = db.prepare(HANDED_OFF).raw(true);
  const decoded = new DecodedSubscriptions();
  /** The subscriptions at these revisions: those decoded at the same revision before, the rest read and decoded (and kept). */
  const subscriptionsAt = (revisions: Map<string, number>): Map<string, Subscription> => {
    const subscriptions = new Map<string, Subscription>();
    const stale: string[] = [];
    for (const [id, revision] of revisions) {
      const kept = decoded.get(id, revision);
      if (kept) subscriptions.set(id, kept);
      else stale.push(id);
    }
    if (stale.length === 0) return subscriptions;
    // Kept at the revision read with the row, which may be newer than the one asked for: never older.
    for (const row of claimedSubscriptions.all(JSON.stringify(stale)) as Array<DbSubscription & { revision: number }>) {
      subscriptions.set(row.id, decoded.keep(row.revision, toSubscription(row)));
    }
    return subscriptions;
  };
  /** Claimed (or handed-off) deliveries with their events, read in one query, and their subscriptions at `revisions`. */
  const withEventsAndSubscriptions = (deliveries: Delivery[], revisions: Map<string, number>): ClaimedDelivery[] => {
    // By tenant, then id: a read is mostly of one event (a fan-out) or a few (a batch), and a key
    // string made per delivery, twice, cost more than the lookups.
    const events = new Map<string, Map<string, HookEvent | null>>();
    const keys: Array<[string, string]> = [];
    for (const { tenantId, eventId } of deliveries) {
      let ofTenant = events.get(tenantId);
      if (ofTenant === undefined) events.set(tenantId, (ofTenant = new Map()));
      if (ofTenant.has(eventId)) continue;
      ofTenant.set(eventId, null);
      keys.push([tenantId, eventId]);
    }
    for (const values of claimedEvents.all(JSON.stringify(keys)) as unknown[][]) {
      const event = eventForDeliveryOfValues(values);
      events.get(event.tenantId)!.set(event.id, event);
    }
    const subscriptions = subscriptionsAt(revisions);
    return deliveries.map((delivery) => ({
      delivery,
      event: events.get(delivery.tenantId)!.get(delivery.eventId)!,
      subscription: subscriptions.get(delivery.subscriptionId)!,
    }));
  };

  const withAttempts = (deliveries: Delivery[]): DeliveryWithAttempts[] => {
    if (deliveries.length === 0) return [];
    const byDelivery = new Map<string, DeliveryWithAttempts>(deliveries.map((d) => [d.id, { ...d, attempts: [] }]));
    for (const row of selectAttempts.all(JSON.stringify(deliveries.map((d) => d.id))) as DbAttempt[]) {
      byDelivery.get(row.delivery_id)?.attempts.push(toAttempt(row));
    }
    return [...byDelivery.values()];
  };

  /** Writes one event with its deliveries (and the task that writes the rest of them, if any), inside the caller's transaction. */
  const writeEventWithDeliveries = (event: HookEvent, deliveries: NewDelivery[], task?: NewLeasedTask): InsertEventResult => {
    const inserted = insertEvent.run({
      tenant_id: event.tenantId,
      id: event.id,
      type: event.type,
      data: JSON.stringify(event.data),
      resource_id: event.resourceId,
      created_at: event.createdAt,
      deliver_at: event.deliverAt,
      application_id: event.applicationId ?? null,
      uid: event.uid ?? null,
      channels: event.channels ? JSON.stringify(event.channels) : null,
      tags: event.tags ? JSON.stringify(event.tags) : null,
      ordering_key: event.orderingKey ?? null,
      trace_parent: event.traceParent ?? null,
    });
    if (inserted.changes === 0) {
      const existing = selectEvent.get(event.tenantId, event.id) as DbEvent | undefined;
      // Not the id but the uid was taken (events_by_uid): another event already has it. Nothing of
      // this event was written, so the group's other events still go in.
      if (!existing) return { created: false, event, uidTaken: true };
      return { created: false, event: toEvent(existing) };
    }
    for (const d of deliveries) insertDelivery(event.tenantId, event.id, d, event.createdAt);
    if (task) insertTask(task.task, task.requestKey, task.lease);
    return { created: true, event };
  };

  return {
    insertEventWithDeliveries: db.transaction(writeEventWithDeliveries) as Database.Transaction<typeof writeEventWithDeliveries>,

    // One transaction for the whole group, and no savepoint per event: a savepoint makes SQLite
    // keep a copy of every page its statements change (the statement journal), which doubled the
    // cost of each insert (docs/performance.md, "Batch publishes"). It bought nothing either: an
    // event that fails throws out of the whole group's transaction, which rolls back every event.
    insertEvents: db.transaction((items: NewEventWrite[]): InsertEventResult[] => items.map((item) => writeEventWithDeliveries(item.event, item.deliveries, item.task))) as Database.Transaction<
      (items: NewEventWrite[]) => InsertEventResult[]
    >,

    claimDueDeliveries: withoutFsync((request: ClaimRequest): ClaimedDelivery[] => {
      const perSubscription = request.perSubscription ?? options.perSubscriptionClaims;
      const probes = new Set<string>();
      const scan = (after: string) =>
        (candidates.all({ after, now: request.now, owner: request.owner, scan: CLAIM_SCAN_SUBSCRIPTIONS }) as CandidateRow[]).map((row) => {
          if (row.circuit !== 'closed') probes.add(row.subscription_id);
          return toCandidate(row, perSubscription, request.settled);
        });
      const scanned = scan(turns.scanAfter);
      // Wrapped around: those before the scan's start come after those behind it.
      const found = turns.order(scanned, turns.wraps(scanned) ? scan('') : []);
      const readings = new Map(
        limitedIds(found).map((id) => {
          const row = limitState.get({ id, now: request.now }) as ThrottleRow & { in_flight: number };
          return [id, { throttle: toThrottle(row), inFlight: row.in_flight }];
        }),
      );
      const limits = new LimitedClaim(found, request.now, readings);
      const rows: Delivery[] = [];
      let open = limits.candidates;
      for (let round = 0; round < CLAIM_ROUNDS && open.length > 0 && rows.length < request.limit; round += 1) {
        const shares = claimShares(open, request.limit - rows.length);
        if (round === 0) turns.served(found, shares);
        const lease = { owner: request.owner, now: request.now, until: request.now + request.leaseMs };
        const taken = new Map<string, Delivery[]>();
        const small: Array<[string, number]> = [];
        for (const [subscriptionId, limit] of shares) {
          taken.set(subscriptionId, []);
          if (probes.has(subscriptionId) && takeProbe.run({ id: subscriptionId, now: request.now, until: request.now + options.circuit.cooldownMs }).changes === 0) continue;
          if (limit <= SMALL_SHARE) small.push([subscriptionId, limit]);
          else taken.set(subscriptionId, (claim.all({ ...lease, subscriptionId, limit }) as unknown[][]).map(deliveryOfValues));
        }
        if (small.length > 0) {
          for (const values of claimSmallShares.all({ ...lease, shares: JSON.stringify(small) }) as unknown[][]) {
            const delivery = deliveryOfValues(values);
            taken.get(delivery.subscriptionId)!.push(delivery);
          }
        }
        // In the shares' (turn) order, as the lanes are given them.
        const claimed = new Map<string, number>();
        for (const [subscriptionId, own] of taken) {
          rows.push(...own);
          claimed.set(subscriptionId, own.length);
          limits.claimed(subscriptionId, own.length);
        }
        open = nextRound(open, shares, claimed);
      }
      for (const [id, throttle] of limits.throttles()) saveThrottle.run({ id, ...throttle });
      if (rows.length === 0) return [];
      const ids = JSON.stringify([...new Set(rows.map((d) => d.subscriptionId))]);
      const revisions = new Map((subscriptionRevisions.all(ids) as Array<{ id: string; revision: number }>).map((r) => [r.id, r.revision]));
      return withEventsAndSubscriptions(rows, revisions);
    }),

    /** Reads only: the caller hands `blocked` back (a write, so through the write gate). */
    readHandedOff(owner: string, ids: string[]): { sendable: ClaimedDelivery[]; blocked: string[] } {
      const sendable: Delivery[] = [];
      const blocked: string[] = [];
      const revisions = new Map<string, number>();
      for (const values of handedOff.all({ owner, ids: JSON.stringify(ids) }) as HandedOffValues[]) {
        const [index, , , subscriptionId, , , , , , maySend, revision] = values;
        const id = ids[index]!;
        if (maySend !== 1) {
          blocked.push(id);
          continue;
        }
        sendable.push(handedOffDelivery(id, values));
        revisions.set(subscriptionId, revision);
      }
      return { sendable: sendable.length === 0 ? [] : withEventsAndSubscriptions(sendable, revisions), blocked };
    },

    returnOrphanedDeliveries: (now: number): number => returnOrphans.run({ now }).changes,

    renewLeases: withoutFsync((owner: string, ids: string[], until: number) => {
      if (ids.length > 0) renew.run(until, owner, JSON.stringify(ids));
    }),

    releaseDeliveries: withoutFsync((owner: string, ids: string[], dueAt: number) => {
      if (ids.length > 0) release.run(dueAt, Date.now(), owner, JSON.stringify(ids));
    }),

    recordOutcomes: withoutFsync((outcomes: DeliveryOutcome[]): string[] => {
      const now = Date.now();
      // Read before the outcomes switch anything off: a 410's disable raises its event below.
      const stored = new Map<string, StoredCircuit>();
      for (const row of selectCircuits.all(JSON.stringify(subscriptionsOf(outcomes))) as CircuitRow[]) stored.set(row.id, toStoredCircuit(row));
      for (const outcome of outcomes) {
        const { attempt } = outcome;
        // Positional parameters: binding by name looks each one up on an object built per outcome.
        insertAttempt.run(
          attempt.id,
          attempt.deliveryId,
          attempt.number,
          attempt.startedAt,
          attempt.durationMs,
          attempt.statusCode,
          attempt.responseBody,
          attempt.errorClass,
          attempt.errorMessage,
          attempt.succeeded ? 1 : 0,
        );
        finishAttempt.run(outcome.status, attempt.number, outcome.status === 'pending' ? outcome.nextAttemptAt : null, attempt.statusCode, attempt.errorClass, now, outcome.deliveryId, outcome.owner);
        if (outcome.slowDown) slowDown.run({ id: outcome.slowDown.subscriptionId, until: outcome.slowDown.until, minRate: MIN_ADAPTED_RATE, now });
      }
      const plan = planHealth(outcomes, stored, options.circuit, now);
      for (const circuit of plan.circuits) updateCircuit.run(circuit);
      for (const { id, reason } of plan.disable) disableSubscription.run(reason, now, id);
      for (const bucket of plan.buckets) addHealthBucket.run(bucket);
      for (const notice of plan.notices) insertNotice.run(notice.id, notice.tenantId, notice.type, JSON.stringify(notice.data), notice.createdAt);
      return plan.disable.map((d) => d.id);
    }),

    getEndpointHealth(subscriptionId: string, now: number): EndpointHealth {
      const circuit = toStoredCircuit((selectCircuit.get(subscriptionId) as CircuitRow | undefined) ?? HEALTHY_ROW);
      const rows = selectHealth.all(subscriptionId, dayWindowStart(now)) as HealthRow[];
      const { id: _id, active: _active, ...state } = circuit;
      return { ...state, ...healthWindows(rows.map(toHealthBucket), now) };
    },

    listOperationalNotices(limit: number): OperationalNotice[] {
      return (selectNotices.all(limit) as NoticeRow[]).map((row) => ({
        id: row.id,
        tenantId: row.tenant_id,
        type: row.type,
        data: JSON.parse(row.data) as Record<string, unknown>,
        createdAt: row.created_at,
      }));
    },

    deleteOperationalNotices(ids: string[]): void {
      if (ids.length > 0) deleteNotices.run(JSON.stringify(ids));
    },

    requeueDelivery(tenantId: string, id: string, now: number) {
      const row = requeue.get({ tenantId, id, now }) as DbDelivery | undefined;
      if (row) return { requeued: true, delivery: toDelivery(row) };
      const current = selectDelivery.get(tenantId, id) as DbDelivery | undefined;
      return current && { requeued: false, delivery: toDelivery(current) };
    },

    listSubscriptionStream(tenantId: string, subscriptionId: string, after: string, limit: number): StreamItem[] {
      return (selectStream.all({ tenantId, subscriptionId, after, limit }) as Array<DbEvent & { position: string }>).map((row) => ({
        position: row.position,
        event: toEvent(row),
      }));
    },

    getDelivery(tenantId: string, id: string): DeliveryWithAttempts | undefined {
      const row = selectDelivery.get(tenantId, id) as DbDelivery | undefined;
      return row && withAttempts([toDelivery(row)])[0];
    },

    listDeliveries(tenantId: string, query: DeliveryQuery, page: PageRequest): Page<DeliveryWithAttempts> {
      // Newest first; ids are time-ordered, so the cursor is the last id shown.
      const before = decodeCursor(page.cursor) ?? '\uffff';
      const rows = selectDeliveryPage(query).all({
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
