import { awaitsClaim, dueAtOf } from '../new-deliveries.js';
import type { ClaimedDelivery, Delivery, DeliveryWithAttempts, HookEvent, Page, PageRequest } from '../../core/model.js';
import { decodeCursor, toPage } from '../cursor.js';
import { ORDERED_HEAD } from '../ordering-sql.js';
import { uidTaken } from '../uids.js';
import { toAttempt, toDelivery, toEvent, toSubscription, type AttemptRow, type DeliveryRow, type EventRow, type SubscriptionRow } from '../rows.js';
import { CLAIM_ROUNDS, CLAIM_SCAN_SUBSCRIPTIONS, claimShares, nextRound, type ClaimCandidate } from '../claim-shares.js';
import { ClaimTurns } from '../claim-turns.js';
import { dayWindowStart, healthWindows, planHealth, subscriptionsOf, type EndpointHealth, type OperationalNotice, type StoredCircuit } from '../endpoint-health.js';
import { LimitedClaim, limitedIds, toCandidate, toThrottle, type CandidateRow, type ThrottleRow } from '../limited-claim.js';
import { MIN_ADAPTED_RATE } from '../subscription-limits.js';
import type { QueryResultRow } from 'pg';
import type { ClaimRequest, DeliveryOutcome, DeliveryQuery, InsertEventResult, NewDelivery, QueueOptions, StreamItem } from '../store.js';
import type { PostgresDb } from './postgres-db.js';
import { storableText } from './postgres-rows.js';
import type { DueNotifier } from './postgres-notify.js';

// The deliveries-table queue on PostgreSQL. Each operation is one statement, so one round trip
// and its own transaction. Workers are woken after the commit (postgres-notify.ts explains why).

/**
 * The event and its deliveries in one statement. ON CONFLICT DO NOTHING makes a repeated id
 * (or our own retry of a commit whose answer was lost) insert nothing; the deliveries CTE reads
 * the event CTE, so it too inserts nothing then. A row comes back only when the event was new.
 */
/** A new delivery written with a lease (handed off to this process's engine) is in flight, else pending. */
export const HANDED_OFF_STATUS = `CASE WHEN d.lease_owner IS NULL THEN 'pending' ELSE 'in_flight' END`;

export const INSERT_EVENT = `
  WITH inserted AS (
    INSERT INTO events (tenant_id, id, type, data, resource_id, created_at, deliver_at, application_id, uid, channels, tags, ordering_key, trace_parent)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $11, $12, $13, $14, $15, $17) ON CONFLICT DO NOTHING
    RETURNING tenant_id, id, created_at
  ), fanned_out AS (
    INSERT INTO deliveries (id, tenant_id, event_id, subscription_id, status, attempt_count, due_at, created_at, updated_at, ordering_key, lease_owner)
    SELECT d.id, i.tenant_id, i.id, d.subscription_id, ${HANDED_OFF_STATUS}, 0, d.due_at, i.created_at, i.created_at, d.ordering_key, d.lease_owner
    FROM inserted i, unnest($8::text[], $9::text[], $10::bigint[], $16::text[], $18::text[]) AS d(id, subscription_id, due_at, ordering_key, lease_owner)
  )
  SELECT id FROM inserted`;

/** The parameters of INSERT_EVENT for an event and its deliveries. */
export function insertEventParams(event: HookEvent, deliveries: NewDelivery[]): unknown[] {
  return [
    event.tenantId,
    event.id,
    event.type,
    JSON.stringify(event.data),
    event.resourceId,
    event.createdAt,
    event.deliverAt,
    deliveries.map((d) => d.id),
    deliveries.map((d) => d.subscriptionId),
    deliveries.map(dueAtOf),
    event.applicationId ?? null,
    event.uid ?? null,
    event.channels ? JSON.stringify(event.channels) : null,
    event.tags ? JSON.stringify(event.tags) : null,
    event.orderingKey ?? null,
    deliveries.map((d) => d.orderingKey ?? null),
    event.traceParent ?? null,
    deliveries.map((d) => d.lease?.owner ?? null),
  ];
}

/**
 * The subscriptions with due work after $1, by id, with their tenants: a loose index scan of
 * deliveries_due (one probe per subscription, however many rows each has), with what this claimer
 * holds of each (the limit is per worker, like the dispatcher's): its in-flight rows whose lease
 * still runs (one whose lease ran out is the claim's to take back, migration 0016). So the claim
 * can give each tenant, then each of its subscriptions, a fair share (store/claim-shares.ts). The
 * tenant comes from the subscription's row, so the scan needs no other index.
 */
export const CLAIM_CANDIDATES = `
  WITH RECURSIVE subs(id) AS (
    SELECT (SELECT subscription_id FROM deliveries
            WHERE subscription_id > $1 AND due_at IS NOT NULL AND NOT parked ORDER BY subscription_id LIMIT 1)
    UNION ALL
    SELECT (SELECT subscription_id FROM deliveries
            WHERE subscription_id > subs.id AND due_at IS NOT NULL AND NOT parked ORDER BY subscription_id LIMIT 1)
    FROM subs WHERE subs.id IS NOT NULL
  )
  SELECT s.id AS subscription_id, s.tenant_id, s.circuit, s.rate_limit_per_second, s.max_in_flight,
    (SELECT count(*) FROM deliveries f WHERE f.subscription_id = s.id AND f.status = 'in_flight' AND f.lease_owner = $4 AND f.due_at > $2)::int AS in_flight
  FROM (SELECT id FROM subs WHERE id IS NOT NULL LIMIT $3) found
  JOIN subscriptions s ON s.id = found.id
  -- A scalar subquery with LIMIT, not EXISTS: the planner would turn EXISTS into a semi-join over
  -- the whole due backlog; this stays one probe of deliveries_due per subscription.
  WHERE s.active
    AND (s.circuit = 'closed' OR s.circuit_retry_at <= $2)
    AND (SELECT 1 FROM deliveries d WHERE d.subscription_id = s.id AND d.due_at <= $2 AND NOT d.parked LIMIT 1) IS NOT NULL
  ORDER BY s.id`;

/** Takes the one probe of each open circuit whose cooldown is over (or whose last probe's claim
 * lapsed): the circuit turns half open until $3, so no other worker sends a second probe meanwhile.
 * Returns the subscriptions whose probe this claimer took. */
export const TAKE_PROBES = `
  UPDATE subscriptions SET circuit = 'half_open', circuit_retry_at = $3
  WHERE id = ANY($1::text[]) AND circuit <> 'closed' AND circuit_retry_at <= $2
  RETURNING id`;

/**
 * Claiming each subscription's share in one round trip, as graphile-worker claims: lock due
 * rows that no one else holds (SKIP LOCKED: concurrent claimers take disjoint rows instead of
 * waiting), lease them, and return them with their event and subscription. due_at is the lease
 * expiry while in flight, so one range on deliveries_due finds pending rows due now and
 * in-flight rows whose lease ran out. An ordered delivery is taken only at the head of its group
 * (ORDERED_HEAD), which holds across workers: the head stays open (pending or in flight) until
 * its outcome is committed, and no snapshot sees it closed before that.
 */
export const CLAIM = `
  WITH due AS (
    SELECT picked.id FROM unnest($4::text[], $5::int[]) AS share(subscription_id, n)
    CROSS JOIN LATERAL (
      SELECT d.id FROM deliveries d
      WHERE d.subscription_id = share.subscription_id AND d.due_at <= $2 AND NOT d.parked AND ${ORDERED_HEAD}
      ORDER BY d.due_at
      LIMIT share.n
      FOR UPDATE SKIP LOCKED
    ) picked
  ), claimed AS (
    UPDATE deliveries d SET status = 'in_flight', lease_owner = $1, due_at = $3, updated_at = $2
    FROM due WHERE d.id = due.id
    RETURNING d.*
  )
  SELECT row_to_json(c) AS delivery, row_to_json(e) AS event, row_to_json(s) AS subscription
  FROM claimed c
  JOIN events e ON e.tenant_id = c.tenant_id AND e.id = c.event_id
  JOIN subscriptions s ON s.id = c.subscription_id
  ORDER BY c.due_at, c.id`;

/**
 * The throttle rows of the limited subscriptions about to be claimed, created full if missing and
 * locked (in id order, so two claimers cannot deadlock) until the claim commits: another worker's
 * claim of the same subscription waits, then sees the tokens taken and the deliveries claimed.
 */
const CREATE_THROTTLES = `
  INSERT INTO subscription_throttles (subscription_id, tokens, rate, refilled_at, blocked_until)
  SELECT s.id, GREATEST(1, COALESCE(s.rate_limit_per_second, 0)), COALESCE(s.rate_limit_per_second, 0), $2, 0
  FROM subscriptions s WHERE s.id = ANY($1::text[]) ORDER BY s.id
  ON CONFLICT (subscription_id) DO NOTHING`;
// A statement of its own: its snapshot sees rows that another claim created and committed while
// CREATE_THROTTLES waited for it (FOR UPDATE locks only rows its snapshot sees).
const LOCK_THROTTLES = `
  SELECT subscription_id FROM subscription_throttles WHERE subscription_id = ANY($1::text[]) ORDER BY subscription_id FOR UPDATE`;

/** Each locked subscription's bucket and what every worker holds in flight (unexpired leases); a new statement, so it sees commits made before the lock was ours. */
const READ_LIMITS = `
  SELECT x.id AS subscription_id, t.tokens, t.rate, t.refilled_at, t.blocked_until,
    (SELECT count(*) FROM deliveries f WHERE f.subscription_id = x.id AND f.status = 'in_flight' AND f.due_at > $2)::int AS in_flight
  FROM unnest($1::text[]) AS x(id) LEFT JOIN subscription_throttles t ON t.subscription_id = x.id`;

const SAVE_THROTTLES = `
  UPDATE subscription_throttles t SET tokens = v.tokens, rate = v.rate, refilled_at = v.refilled_at
  FROM unnest($1::text[], $2::float8[], $3::float8[], $4::bigint[]) AS v(id, tokens, rate, refilled_at)
  WHERE t.subscription_id = v.id`;

const RENEW = `
  UPDATE deliveries SET due_at = $3
  WHERE lease_owner = $1 AND status = 'in_flight' AND id = ANY($2::text[])`;

/** The ones of $2 still leased to $1 with their events and subscriptions, and whether the subscription may send now. */
const HANDED_OFF = `
  SELECT row_to_json(d) AS delivery, row_to_json(e) AS event, row_to_json(s) AS subscription,
    s.active AND s.circuit = 'closed' AS sendable
  FROM deliveries d
  JOIN events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id
  JOIN subscriptions s ON s.id = d.subscription_id
  WHERE d.id = ANY($2::text[]) AND d.status = 'in_flight' AND d.lease_owner = $1
  ORDER BY d.id`;

const RELEASE = `
  UPDATE deliveries SET status = 'pending', lease_owner = NULL, due_at = $3, updated_at = $4
  WHERE lease_owner = $1 AND status = 'in_flight' AND id = ANY($2::text[])`;

/**
 * A batch of outcomes in one statement: the attempts (ON CONFLICT: a retried batch does not
 * duplicate them), and each delivery moved on only if its lease is still ours.
 */
const RECORD_OUTCOMES = `
  WITH attempt AS (
    INSERT INTO attempts (id, delivery_id, number, started_at, duration_ms, status_code, response_body, error_class, error_message, succeeded)
    SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::int[], $6::int[], $7::text[], $8::text[], $9::text[], $10::boolean[])
    ON CONFLICT (id) DO NOTHING
  ), outcome AS (
    SELECT * FROM unnest($2::text[], $11::text[], $12::text[], $3::int[], $13::bigint[], $6::int[], $8::text[])
      AS o(delivery_id, owner, status, number, due_at, status_code, last_error)
  ), slowed AS (
    -- A 429 to a rate-limited subscription: the rate in force halves (not below MIN_ADAPTED_RATE), the bucket
    -- empties, and nothing is claimed before the pause ends.
    UPDATE subscription_throttles t SET rate = GREATEST($17, t.rate / 2), tokens = 0,
      blocked_until = GREATEST(t.blocked_until, g.until), refilled_at = GREATEST(t.refilled_at, $14)
    FROM (SELECT id, max(until) AS until FROM unnest($15::text[], $16::bigint[]) AS u(id, until) GROUP BY id) g
    WHERE t.subscription_id = g.id
  )
  UPDATE deliveries d SET status = o.status, attempt_count = o.number, due_at = o.due_at, lease_owner = NULL,
    last_status_code = o.status_code, last_error = o.last_error, updated_at = $14
  FROM outcome o
  WHERE d.id = o.delivery_id AND d.lease_owner = o.owner AND d.status = 'in_flight'`;

// Locked in id order: workers recording outcomes of one subscription at once move its circuit one
// after the other, and never deadlock. FOR NO KEY UPDATE, not FOR UPDATE: every delivery written
// takes FOR KEY SHARE on its subscription (the foreign-key check), which FOR UPDATE conflicts
// with, so each outcome batch waited for every publish in progress to commit and held up the
// publishes after it until its own commit. Outcome writers still exclude one another, and deleting
// the subscription (FOR UPDATE) still waits for them.
export const LOCK_CIRCUITS = `
  SELECT id, active, circuit, circuit_retry_at, consecutive_failures, failing_since
  FROM subscriptions WHERE id = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE`;

/** The circuits moved and the minute's health buckets added to, in one round trip while the circuits are locked. */
const SAVE_CIRCUITS_AND_HEALTH = `
  WITH saved AS (
    UPDATE subscriptions s SET circuit = c.circuit, circuit_retry_at = c.retry_at, consecutive_failures = c.failures, failing_since = c.since
    FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], $5::bigint[]) AS c(id, circuit, retry_at, failures, since)
    WHERE s.id = c.id
  )
  INSERT INTO endpoint_health (subscription_id, minute, successes, failures, total_ms, max_ms)
  SELECT * FROM unnest($6::text[], $7::bigint[], $8::int[], $9::int[], $10::bigint[], $11::int[])
  ON CONFLICT (subscription_id, minute) DO UPDATE SET successes = endpoint_health.successes + excluded.successes,
    failures = endpoint_health.failures + excluded.failures, total_ms = endpoint_health.total_ms + excluded.total_ms,
    max_ms = greatest(endpoint_health.max_ms, excluded.max_ms)`;

const DISABLE = `
  UPDATE subscriptions s SET active = false, disabled_reason = g.reason, updated_at = $3
  FROM unnest($1::text[], $2::text[]) AS g(id, reason)
  WHERE s.id = g.id AND s.active`;

const ADD_NOTICES = `
  INSERT INTO operational_notices (id, tenant_id, type, data, created_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::bigint[])`;

type CircuitRow = { id: string; active: boolean; circuit: StoredCircuit['circuit']; circuit_retry_at: string | null; consecutive_failures: number; failing_since: string | null };
type HealthRow = { subscription_id: string; minute: string; successes: number; failures: number; total_ms: string; max_ms: number };
type NoticeRow = { id: string; tenant_id: string; type: string; data: Record<string, unknown>; created_at: string };

function toStoredCircuit(row: CircuitRow): StoredCircuit {
  return {
    id: row.id,
    active: row.active,
    circuit: row.circuit,
    retryAt: row.circuit_retry_at === null ? null : Number(row.circuit_retry_at),
    consecutiveFailures: row.consecutive_failures,
    failingSince: row.failing_since === null ? null : Number(row.failing_since),
  };
}

const REQUEUE = `
  WITH requeued AS (
    UPDATE deliveries SET status = 'pending', due_at = $3, lease_owner = NULL, updated_at = $3
    WHERE tenant_id = $1 AND id = $2 AND status <> 'in_flight'
    RETURNING *
  )
  SELECT * FROM requeued`;

const SELECT_DELIVERY = 'SELECT * FROM deliveries WHERE tenant_id = $1 AND id = $2';

// Through deliveries_by_subscription (subscription_id, id).
export const SELECT_STREAM = `
  SELECT d.id AS position, row_to_json(e) AS event
  FROM deliveries d JOIN events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id
  WHERE d.subscription_id = $2 AND d.id > $3 AND d.tenant_id = $1 AND d.status <> 'cancelled'
  ORDER BY d.id LIMIT $4`;

/**
 * Newest first; ids are time-ordered, so the cursor is the last id shown. Only the filters given
 * appear in the text (one named statement per combination): a generic plan for "($5 IS NULL OR
 * status = $5)" could not use deliveries_by_status.
 */
export function listDeliveriesStatement(query: DeliveryQuery): { text: string; values: (q: DeliveryQuery) => unknown[] } {
  const filters: Array<[string, (q: DeliveryQuery) => unknown]> = [];
  if (query.eventId !== undefined) filters.push(['event_id', (q) => q.eventId]);
  if (query.subscriptionId !== undefined) filters.push(['subscription_id', (q) => q.subscriptionId]);
  if (query.status !== undefined) filters.push(['status', (q) => q.status]);
  const text = `
  SELECT * FROM deliveries
  WHERE tenant_id = $1 AND id < $2 ${filters.map(([column], i) => `AND ${column} = $${i + 4}`).join(' ')}
  ORDER BY id DESC LIMIT $3`;
  return { text, values: (q) => filters.map(([, pick]) => pick(q)) };
}

const SELECT_ATTEMPTS = 'SELECT * FROM attempts WHERE delivery_id = ANY($1::text[]) ORDER BY delivery_id, number';

/** The queue statements over one pool. */
export class PostgresQueue {
  readonly #db: PostgresDb;
  readonly #notifier: DueNotifier;

  readonly #options: QueueOptions;
  // Where the next claim's scan and round robin (tenants, then subscriptions) start.
  readonly #turns = new ClaimTurns();

  constructor(db: PostgresDb, notifier: DueNotifier, options: QueueOptions) {
    this.#db = db;
    this.#notifier = notifier;
    this.#options = options;
  }

  async insertEventWithDeliveries(event: HookEvent, deliveries: NewDelivery[]): Promise<InsertEventResult> {
    const created = await this.#db.rows(INSERT_EVENT, insertEventParams(event, deliveries));
    if (created.length > 0) {
      if (awaitsClaim(deliveries)) this.#notifier.poke();
      return { created: true, event };
    }
    const [existing] = await this.#db.rows<EventRow>('SELECT * FROM events WHERE tenant_id = $1 AND id = $2', [event.tenantId, event.id]);
    // Not the id but the uid was taken (events_by_uid): another event already has it.
    if (!existing) throw uidTaken(event);
    return { created: false, event: toEvent(existing) };
  }

  async claimDueDeliveries(request: ClaimRequest): Promise<ClaimedDelivery[]> {
    const perSubscription = request.perSubscription ?? this.#options.perSubscriptionClaims;
    const probes = new Set<string>();
    const scan = async (after: string) =>
      (await this.#db.rows<CandidateRow>(CLAIM_CANDIDATES, [after, request.now, CLAIM_SCAN_SUBSCRIPTIONS, request.owner])).map((row) => {
        if (row.circuit !== 'closed') probes.add(row.subscription_id);
        return toCandidate(row, perSubscription, request.settled);
      });
    const scanned = await scan(this.#turns.scanAfter);
    // Wrapped around: those before the scan's start come after those behind it.
    const found = this.#turns.order(scanned, this.#turns.wraps(scanned) ? await scan('') : []);
    const limited = limitedIds(found);
    if (limited.length === 0) {
      return this.#claimRounds((text, values) => this.#db.rows(text, values), request, found, new LimitedClaim(found, request.now, new Map()), probes);
    }
    // Limited subscriptions: their throttle rows stay locked from the reading to the commit.
    return this.#db.transaction(async (client) => {
      const run = async <R extends QueryResultRow>(text: string, values: unknown[]) => (await client.query<R>(text, values)).rows;
      await run(CREATE_THROTTLES, [limited, request.now]);
      await run(LOCK_THROTTLES, [limited]);
      const readings = new Map(
        (await run<ThrottleRow & { subscription_id: string; in_flight: number }>(READ_LIMITS, [limited, request.now])).map((row) => [
          row.subscription_id,
          { throttle: toThrottle(row), inFlight: row.in_flight },
        ]),
      );
      const limits = new LimitedClaim(found, request.now, readings);
      const claimed = await this.#claimRounds(run, request, found, limits, probes);
      const buckets = limits.throttles();
      await run(SAVE_THROTTLES, [buckets.map(([id]) => id), buckets.map(([, b]) => b.tokens), buckets.map(([, b]) => b.rate), buckets.map(([, b]) => b.refilledAt)]);
      return claimed;
    });
  }

  /** The fair-share rounds of one claim over the candidates (their rooms cut by `limits`), through `run`. */
  async #claimRounds(
    run: <R extends QueryResultRow>(text: string, values: unknown[]) => Promise<R[]>,
    request: ClaimRequest,
    found: ClaimCandidate[],
    limits: LimitedClaim,
    probes: Set<string>,
  ): Promise<ClaimedDelivery[]> {
    type ClaimedRow = { delivery: DeliveryRow; event: EventRow; subscription: SubscriptionRow };
    const rows: ClaimedRow[] = [];
    let open = limits.candidates;
    for (let round = 0; round < CLAIM_ROUNDS && open.length > 0 && rows.length < request.limit; round += 1) {
      const shares = claimShares(open, request.limit - rows.length);
      if (round === 0) this.#turns.served(found, shares);
      await this.#takeProbes(run, shares, probes, request.now);
      const taken = await run<ClaimedRow>(CLAIM, [
        request.owner,
        request.now,
        request.now + request.leaseMs,
        [...shares.keys()],
        [...shares.values()],
      ]);
      rows.push(...taken);
      const claimed = new Map<string, number>();
      for (const row of taken) claimed.set(row.delivery.subscription_id, (claimed.get(row.delivery.subscription_id) ?? 0) + 1);
      for (const [id, count] of claimed) limits.claimed(id, count);
      open = nextRound(open, shares, claimed);
    }
    return rows.map((row) => ({
      delivery: toDelivery(row.delivery),
      event: toEvent(row.event),
      subscription: toSubscription(row.subscription),
    }));
  }

  /** Drops from `shares` the open circuits whose probe another claimer took first. */
  async #takeProbes(
    run: <R extends QueryResultRow>(text: string, values: unknown[]) => Promise<R[]>,
    shares: Map<string, number>,
    probes: Set<string>,
    now: number,
  ): Promise<void> {
    const wanted = [...shares.keys()].filter((id) => probes.has(id));
    if (wanted.length === 0) return;
    const taken = new Set((await run<{ id: string }>(TAKE_PROBES, [wanted, now, now + this.#options.circuit.cooldownMs])).map((r) => r.id));
    for (const id of wanted) if (!taken.has(id)) shares.delete(id);
    for (const id of wanted) probes.delete(id);
  }

  async renewLeases(owner: string, ids: string[], until: number): Promise<void> {
    if (ids.length > 0) await this.#db.rows(RENEW, [owner, ids, until]);
  }

  async takeHandedOff(owner: string, ids: string[], now: number): Promise<ClaimedDelivery[]> {
    if (ids.length === 0) return [];
    type Row = { delivery: DeliveryRow; event: EventRow; subscription: SubscriptionRow; sendable: boolean };
    const rows = await this.#db.rows<Row>(HANDED_OFF, [owner, ids]);
    const blocked = rows.filter((row) => !row.sendable).map((row) => row.delivery.id);
    if (blocked.length > 0) await this.releaseDeliveries(owner, blocked, now);
    return rows
      .filter((row) => row.sendable)
      .map((row) => ({ delivery: toDelivery(row.delivery), event: toEvent(row.event), subscription: toSubscription(row.subscription) }));
  }

  async releaseDeliveries(owner: string, ids: string[], dueAt: number): Promise<void> {
    if (ids.length > 0) await this.#db.rows(RELEASE, [owner, ids, dueAt, Date.now()]);
  }

  /**
   * Records the outcomes and what they do to endpoint health in one transaction; returns the
   * subscriptions it disabled. The rows other workers' outcome batches need too (a subscription's
   * circuit, its health bucket of the minute) are locked last, after the attempts and deliveries
   * (this worker's own leased rows), so they are held for two round trips and the commit instead of
   * the whole transaction: with several workers sending to one subscription, their batches queue
   * on those rows (docs/performance.md). The commit does not wait for the WAL flush, so neither do
   * the batches queued behind it: a batch lost to a server crash leaves its deliveries in flight
   * under a lease that runs out, and they are sent again (at least once, as SQLite's
   * synchronous = NORMAL for the same writes).
   */
  async recordOutcomes(outcomes: DeliveryOutcome[]): Promise<string[]> {
    if (outcomes.length === 0) return [];
    const column = <T>(pick: (outcome: DeliveryOutcome) => T) => outcomes.map(pick);
    const slowed = outcomes.flatMap((o) => (o.slowDown ? [o.slowDown] : []));
    return this.#db.transaction(async (client) => {
      const now = Date.now();
      await client.query(RECORD_OUTCOMES, [
        column((o) => o.attempt.id),
        column((o) => o.deliveryId),
        column((o) => o.attempt.number),
        column((o) => o.attempt.startedAt),
        column((o) => o.attempt.durationMs),
        column((o) => o.attempt.statusCode),
        column((o) => storableText(o.attempt.responseBody)),
        column((o) => o.attempt.errorClass),
        column((o) => storableText(o.attempt.errorMessage)),
        column((o) => o.attempt.succeeded),
        column((o) => o.owner),
        column((o) => o.status),
        column((o) => (o.status === 'pending' ? o.nextAttemptAt : null)),
        now,
        slowed.map((o) => o.subscriptionId),
        slowed.map((o) => o.until),
        MIN_ADAPTED_RATE,
      ]);
      const locked = await client.query<CircuitRow>(LOCK_CIRCUITS, [subscriptionsOf(outcomes)]);
      const stored = new Map(locked.rows.map((row) => [row.id, toStoredCircuit(row)]));
      const { circuits, disable, buckets, notices } = planHealth(outcomes, stored, this.#options.circuit, now);
      await client.query(SAVE_CIRCUITS_AND_HEALTH, [
        circuits.map((c) => c.id),
        circuits.map((c) => c.circuit),
        circuits.map((c) => c.retryAt),
        circuits.map((c) => c.consecutiveFailures),
        circuits.map((c) => c.failingSince),
        buckets.map((b) => b.subscriptionId),
        buckets.map((b) => b.minute),
        buckets.map((b) => b.successes),
        buckets.map((b) => b.failures),
        buckets.map((b) => b.totalMs),
        buckets.map((b) => b.maxMs),
      ]);
      if (disable.length > 0) await client.query(DISABLE, [disable.map((d) => d.id), disable.map((d) => d.reason), now]);
      if (notices.length > 0) {
        await client.query(ADD_NOTICES, [
          notices.map((n) => n.id),
          notices.map((n) => n.tenantId),
          notices.map((n) => n.type),
          notices.map((n) => JSON.stringify(n.data)),
          notices.map((n) => n.createdAt),
        ]);
      }
      return disable.map((d) => d.id);
    }, 'lazy');
  }

  async getEndpointHealth(subscriptionId: string, now: number): Promise<EndpointHealth> {
    const [row] = await this.#db.rows<CircuitRow>(
      'SELECT id, active, circuit, circuit_retry_at, consecutive_failures, failing_since FROM subscriptions WHERE id = $1',
      [subscriptionId],
    );
    const rows = await this.#db.rows<HealthRow>('SELECT * FROM endpoint_health WHERE subscription_id = $1 AND minute >= $2 ORDER BY minute', [
      subscriptionId,
      dayWindowStart(now),
    ]);
    const buckets = rows.map((r) => ({ subscriptionId: r.subscription_id, minute: Number(r.minute), successes: r.successes, failures: r.failures, totalMs: Number(r.total_ms), maxMs: r.max_ms }));
    const circuit = row ? toStoredCircuit(row) : { circuit: 'closed' as const, retryAt: null, consecutiveFailures: 0, failingSince: null };
    return {
      circuit: circuit.circuit,
      retryAt: circuit.retryAt,
      consecutiveFailures: circuit.consecutiveFailures,
      failingSince: circuit.failingSince,
      ...healthWindows(buckets, now),
    };
  }

  async listOperationalNotices(limit: number): Promise<OperationalNotice[]> {
    const rows = await this.#db.rows<NoticeRow>('SELECT * FROM operational_notices ORDER BY created_at, id LIMIT $1', [limit]);
    return rows.map((row) => ({ id: row.id, tenantId: row.tenant_id, type: row.type, data: row.data, createdAt: Number(row.created_at) }));
  }

  async deleteOperationalNotices(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.#db.rows('DELETE FROM operational_notices WHERE id = ANY($1::text[])', [ids]);
  }

  async requeueDelivery(tenantId: string, id: string, now: number): Promise<{ requeued: boolean; delivery: Delivery } | undefined> {
    const [requeued] = await this.#db.rows<DeliveryRow>(REQUEUE, [tenantId, id, now]);
    if (requeued) {
      this.#notifier.poke();
      return { requeued: true, delivery: toDelivery(requeued) };
    }
    const [current] = await this.#db.rows<DeliveryRow>(SELECT_DELIVERY, [tenantId, id]);
    return current && { requeued: false, delivery: toDelivery(current) };
  }

  async listSubscriptionStream(tenantId: string, subscriptionId: string, after: string, limit: number): Promise<StreamItem[]> {
    const rows = await this.#db.rows<{ position: string; event: EventRow }>(SELECT_STREAM, [tenantId, subscriptionId, after, limit]);
    return rows.map((row) => ({ position: row.position, event: toEvent(row.event) }));
  }

  async getDelivery(tenantId: string, id: string): Promise<DeliveryWithAttempts | undefined> {
    const [row] = await this.#db.rows<DeliveryRow>(SELECT_DELIVERY, [tenantId, id]);
    return row && (await this.#withAttempts([toDelivery(row)]))[0];
  }

  async listDeliveries(tenantId: string, query: DeliveryQuery, page: PageRequest): Promise<Page<DeliveryWithAttempts>> {
    const statement = listDeliveriesStatement(query);
    const rows = await this.#db.rows<DeliveryRow>(statement.text, [
      tenantId,
      decodeCursor(page.cursor) ?? '\uffff',
      page.limit + 1,
      ...statement.values(query),
    ]);
    const pageOfRows = toPage(rows.map(toDelivery), page.limit, (d) => d.id);
    return { items: await this.#withAttempts(pageOfRows.items), nextCursor: pageOfRows.nextCursor };
  }

  async #withAttempts(deliveries: Delivery[]): Promise<DeliveryWithAttempts[]> {
    if (deliveries.length === 0) return [];
    const byDelivery = new Map<string, DeliveryWithAttempts>(deliveries.map((d) => [d.id, { ...d, attempts: [] }]));
    const rows = await this.#db.rows<AttemptRow>(SELECT_ATTEMPTS, [deliveries.map((d) => d.id)]);
    for (const row of rows) byDelivery.get(row.delivery_id)?.attempts.push(toAttempt(row));
    return [...byDelivery.values()];
  }
}
