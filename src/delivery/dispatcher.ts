import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { DeliveryConfig } from '../config/config.js';
import type { DeliveryFormats } from '../core/envelope.js';
import { ROOM_SLOT, ROOM_SLOTS } from '../core/handoff-room.js';
import type { ClaimedDelivery } from '../core/model.js';
import type { SecretBox } from '../core/secret-box.js';
import type { Store } from '../store/store.js';
import { AttemptMaker } from './attempt.js';
import { Lanes, subscriptionConcurrency, type LaneRule } from './lanes.js';
import type { DeliveryMetrics } from './metrics.js';
import type { OutboundClient } from './outbound.js';
import { OutcomeWriter } from './outcome-writer.js';
import type { Tracing } from '../core/tracing.js';

// Deliveries handed back because their lane was stalled come due again after at least this long.
const OVERFLOW_DEFER_MS = 1_000;
// A lane that has finished no send for this long counts as stalled.
const STALL_MS = 1_000;
// Of the hand-off room, the units only a fan-out's deliveries may take (service/handoff.ts): a fan-out
// to this many subscriptions is sent without a claim. What it costs while waiting to be read is an id
// in memory and a share of the lease renewals.
export const FAN_OUT_ROOM = 16_384;
// Lease renewals commit at most this many at a time, so that a publish's commit never waits for all of them.
const RENEW_CHUNK = 1_000;

/** What a dispatcher works with. */
export interface DispatcherDeps {
  store: Store;
  outbound: OutboundClient;
  formats: DeliveryFormats;
  secrets: SecretBox;
  config: DeliveryConfig;
  logger: Logger;
  metrics?: DeliveryMetrics | undefined;
  now?: () => number;
  random?: () => number;
  /** Rules the lanes apply after the per-subscription cap (per-origin caps, rate limits, circuits, ordering). */
  laneRules?: LaneRule[];
  /** Outcome coalescing: the window and the batch that flushes at once (tests shorten them). */
  outcomeWindowMs?: number;
  /** Where attempt spans go (OpenTelemetry, when configured). */
  tracing?: Tracing | undefined;
}

/**
 * The claim loop: claims due deliveries in batches under a lease, hands them to the lanes (which
 * decide when each may start), makes each attempt, and gives the outcomes to the outcome writer.
 * A crashed dispatcher's leases expire and its deliveries become claimable again; a live one
 * renews the leases it holds, and a delivery stays held until its outcome is committed.
 */
export class Dispatcher {
  readonly owner = `dispatcher-${randomBytes(6).toString('hex')}`;
  readonly #deps: DispatcherDeps;
  readonly #now: () => number;
  readonly #held = new Map<string, ClaimedDelivery>();
  /** Held deliveries that came by hand-off: each holds a unit of `handoffRoom` until its outcome is written (or it is handed back). */
  readonly #handedOff = new Set<string>();
  /**
   * How many more deliveries publishes may hand off to this dispatcher, how many of those only a
   * wide fan-out may take, and how many subscriptions make a fan-out wide (see service/handoff.ts);
   * shared memory, so that the API's thread can take from it while this one gives back.
   */
  readonly handoffRoom = new Int32Array(new SharedArrayBuffer(ROOM_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  /**
   * Handed-off deliveries leased to this dispatcher and not read yet: the claim loop reads them in
   * chunks as its window frees (a fan-out's thousands at once would fill it), and their leases are
   * renewed with the held ones meanwhile.
   */
  #queued: string[] = [];
  // Of the queued ones, those leased from the fan-out's part of the room (service/handoff.ts): past
  // what a claim would give their subscription, they are handed back to the claim (a batch of events
  // that each go to a few subscriptions would otherwise fill the window with those few).
  readonly #fanOutIds = new Set<string>();
  // Held deliveries per subscription.
  readonly #heldPerSubscription = new Map<string, number>();
  /**
   * Whether the next turn of the claim loop should claim. Anything that may have made deliveries due
   * sets it (a wake-up, the poll, a retry coming due, a claimed delivery's outcome); a claim that
   * found less than it asked for clears it. While handed-off deliveries are queued their outcomes do
   * not set it: each claim scans for due work, and a fan-out's outcomes would make a claim per outcome
   * batch that finds nothing (the fan-out is leased to this dispatcher already).
   */
  #claimWanted = true;
  // Outcomes that would have asked for a claim came while handed-off deliveries were queued.
  #claimDeferred = false;
  // Queued ids being read now (take and the claim loop may both read).
  #reading = 0;
  #lastClaimAt = 0;
  readonly #lanes: Lanes;
  readonly #attempts: AttemptMaker;
  readonly #outcomes: OutcomeWriter;
  #running = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #wakePending = false;
  #unsubscribe: (() => void) | null = null;
  #renewTimer: NodeJS.Timeout | null = null;
  #sweepTimer: NodeJS.Timeout | null = null;
  // The earliest retry this dispatcher scheduled: the claim loop waits no longer than that.
  #retryAt = Number.POSITIVE_INFINITY;
  #between: () => void = () => {};

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#lanes = new Lanes({
      concurrency: deps.config.concurrency,
      rules: [subscriptionConcurrency(deps.config.perEndpointConcurrency), ...(deps.laneRules ?? [])],
      start: (claimed) => void this.#send(claimed),
      now: this.#now,
    });
    this.#attempts = new AttemptMaker({
      outbound: deps.outbound,
      formats: deps.formats,
      secrets: deps.secrets,
      retry: deps.config.retry,
      logger: deps.logger,
      now: this.#now,
      random: deps.random ?? Math.random,
      tracing: deps.tracing,
    });
    Atomics.store(this.handoffRoom, ROOM_SLOT.left, deps.config.concurrency + FAN_OUT_ROOM);
    Atomics.store(this.handoffRoom, ROOM_SLOT.fanOutReserved, FAN_OUT_ROOM);
    Atomics.store(this.handoffRoom, ROOM_SLOT.fanOutWidth, deps.config.batchSize);
    this.#outcomes = new OutcomeWriter({
      store: deps.store,
      logger: deps.logger,
      ...(deps.outcomeWindowMs !== undefined ? { windowMs: deps.outcomeWindowMs } : {}),
      onWritten: (ids) => {
        // Room for new claims. Every outcome, handed-off ones too: a subscription's claims are
        // capped by what it holds in flight, handed-off deliveries included, so any outcome may
        // make more of its due deliveries claimable. (Waking only for claimed deliveries' outcomes
        // left batch publishes' claimed part waiting for the poll: 19 % fewer events/s.) Except
        // while handed-off deliveries are queued: then the loop reads the next of those, and claims
        // once the queue is empty (see #claimWanted).
        if (this.#queued.length === 0 || ids.some((id) => !this.#handedOff.has(id))) this.#claimWanted = true;
        else this.#claimDeferred = true;
        for (const id of ids) this.#forget(id);
        this.#signal();
        this.#between();
      },
    });
  }

  /** Starts claiming; whatever makes deliveries due (publishes, manual retries, …) wakes it at once, and it also polls for retries coming due. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#unsubscribe = this.#deps.store.onDeliveriesDue(() => this.#wantClaim());
    const { leaseMs } = this.#deps.config;
    this.#renewTimer = setInterval(() => void this.#renewLeases(), Math.max(50, Math.floor(leaseMs / 3)));
    this.#renewTimer.unref();
    this.#sweepTimer = setInterval(() => void this.#handBackStalled(), STALL_MS);
    this.#sweepTimer.unref();
    this.#loop = this.#claimLoop();
  }

  /**
   * Stops claiming, hands back what it holds but has not started, lets requests in flight finish
   * (each is bounded by the request timeout), and writes their outcomes.
   */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#unsubscribe?.();
    this.#signal();
    await this.#loop;
    const unstarted = this.#lanes.takeWaiting();
    for (const claimed of unstarted) this.#forget(claimed.delivery.id);
    const queued = this.#queued.splice(0);
    this.#fanOutIds.clear();
    Atomics.add(this.handoffRoom, ROOM_SLOT.left, queued.length);
    await this.#deps.store.releaseDeliveries(this.owner, [...unstarted.map((c) => c.delivery.id), ...queued], this.#now());
    await this.#lanes.idle();
    await this.#outcomes.flush();
    if (this.#renewTimer) clearInterval(this.#renewTimer);
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
  }

  /** Wakes the claim loop now (a publish in this process made deliveries due). */
  wake(): void {
    this.#wantClaim();
  }

  /**
   * Takes deliveries a publish of this process wrote leased to this dispatcher (the hand-off): the
   * claim loop reads them as its window frees and sends them like claimed ones. Each id comes once:
   * in `deliveryIds` if it took the shared part of the hand-off room, in `fanOut` if the fan-out's.
   */
  async take(deliveryIds: string[], fanOut: string[] = []): Promise<void> {
    if (!this.#running) {
      try {
        await this.#deps.store.releaseDeliveries(this.owner, [...deliveryIds, ...fanOut], this.#now());
      } catch (error) {
        // Called without awaiting (a message from the API's thread): a failure must not become an
        // unhandled rejection. Their leases run out and a claim takes them: late, never lost.
        this.#deps.logger.warn({ err: error }, 'handing back deliveries failed');
      } finally {
        Atomics.add(this.handoffRoom, ROOM_SLOT.left, deliveryIds.length + fanOut.length);
      }
      return;
    }
    // One at a time: a fan-out's ten thousand would overflow a spread's arguments.
    for (const id of deliveryIds) this.#queued.push(id);
    for (const id of fanOut) {
      this.#queued.push(id);
      this.#fanOutIds.add(id);
    }
    // Read now what fits, without waiting for the claim loop (it may be inside a claim); the loop reads the rest.
    const reading = this.#readable();
    if (reading > 0) await this.#takeQueued(reading);
    // Only for what is left: a wake-up now would run a claim (a synchronous transaction) right
    // after these deliveries started, delaying their answers by as much (tenant isolation's p50).
    if (this.#queued.length > 0) this.#signal();
  }

  /**
   * How many queued handed-off deliveries to read now: never more of them held than the concurrency,
   * as the room always bounded them (the rest of the window stays the claims', so other tenants' due
   * work is claimed while a fan-out is sent), and a quarter round at a time at least (a read costs
   * little whatever its size, and its deliveries must be ready before the lanes run dry).
   */
  #readable(): number {
    const { batchSize, concurrency } = this.#deps.config;
    // Not bounded by the claims' window: a hand-off never waited for claimed deliveries to finish.
    const free = Math.min(this.#queued.length, batchSize, concurrency - this.#handedOff.size - this.#reading);
    const minRead = Math.ceil(Math.min(batchSize, Math.ceil(concurrency / 2)) / 2);
    return free > 0 && free >= Math.min(minRead, this.#queued.length) ? free : 0;
  }

  /**
   * Reads up to `limit` queued handed-off deliveries. Those whose subscription may not send now come
   * back from the store handed back, due now, for a claim to apply its circuit; the room of every one
   * not kept is given back.
   */
  async #takeQueued(limit: number): Promise<void> {
    const deliveryIds = this.#queued.splice(0, limit);
    const fanOut = new Set(deliveryIds.filter((id) => this.#fanOutIds.delete(id)));
    let kept = 0;
    this.#reading += deliveryIds.length;
    try {
      const taken = await this.#deps.store.takeHandedOff(this.owner, deliveryIds, this.#now());
      // Claimed meanwhile (its lease ran out before it arrived): it is held once, as claimed.
      const fresh = taken.filter((item) => !this.#held.has(item.delivery.id));
      kept = await this.#admit(fresh, 'handoff', fanOut);
    } catch (error) {
      // Their leases run out and a claim takes them: late, never lost.
      this.#deps.logger.warn({ err: error }, 'taking handed-off deliveries failed');
    } finally {
      this.#reading -= deliveryIds.length;
      Atomics.add(this.handoffRoom, ROOM_SLOT.left, deliveryIds.length - kept);
    }
    // The hand-off's outcomes did not claim meanwhile (see #claimWanted): whatever they freed, claim it now.
    if (this.#queued.length === 0 && this.#claimDeferred) {
      this.#claimDeferred = false;
      this.#claimWanted = true;
    }
  }

  /**
   * Runs `step` between the engine's own steps: after each finished send and each outcome write,
   * before and after each claim. Work that arrives from another thread (the delivery thread's hand-offs, see
   * cli/handoff-port.ts) is then taken within a step, not after the rest of a busy event-loop turn.
   */
  between(step: () => void): void {
    this.#between = step;
  }

  /** How many deliveries this dispatcher holds (claimed and not yet recorded). */
  get held(): number {
    return this.#held.size;
  }

  async #claimLoop(): Promise<void> {
    const { batchSize, concurrency, leaseMs, pollIntervalMs } = this.#deps.config;
    // Hold up to twice the concurrency so that the next requests are ready when slots free up.
    const maxHeld = concurrency * 2;
    // A claim costs about the same whether it takes one delivery or a batch (its scan looks at up to
    // CLAIM_SCAN_SUBSCRIPTIONS subscriptions): while a full round beyond the sends in flight is held,
    // wait until half a round is free instead of claiming each freed slot alone (a 10,000-subscription
    // fan-out made about a thousand claims of a few deliveries each).
    const minClaim = Math.min(batchSize, Math.ceil(concurrency / 2));
    while (this.#running) {
      // Queued handed-off deliveries first (a read, no claim).
      const reading = this.#readable();
      if (reading > 0) await this.#takeQueued(reading);
      // Claims also run now and then while a long queue keeps the loop from waiting out its poll.
      if (this.#now() - this.#lastClaimAt >= pollIntervalMs) this.#claimWanted = true;
      const room = Math.min(batchSize, maxHeld - this.#held.size);
      let claimed: ClaimedDelivery[] = [];
      if (this.#claimWanted && room > 0 && (room >= minClaim || this.#held.size < concurrency)) {
        // What was handed off meanwhile starts before this claim's transaction, not after it.
        this.#between();
        const now = this.#now();
        this.#lastClaimAt = now;
        // Cleared before the claim: what wakes the loop while it runs may have made more due.
        this.#claimWanted = false;
        // This claim takes the retry that was due by now (see #waitLimit).
        if (now >= this.#retryAt) this.#retryAt = Number.POSITIVE_INFINITY;
        try {
          claimed = await this.#deps.store.claimDueDeliveries({ owner: this.owner, now, leaseMs, limit: room });
        } catch (error) {
          this.#claimWanted = true;
          this.#deps.logger.error({ err: error }, 'claiming deliveries failed; retrying shortly');
          await sleep(Math.min(pollIntervalMs, 1000));
          continue;
        }
        // A full batch means more may be due now.
        if (claimed.length === room) this.#claimWanted = true;
        await this.#admit(claimed, 'claim');
        this.#between();
      }
      // More to read or claim now: go on at once (after letting I/O run).
      if ((claimed.length > 0 && claimed.length === room) || (reading > 0 && this.#readable() > 0)) {
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      await this.#waitForWork(this.#waitLimit(pollIntervalMs));
    }
  }

  #waitForWork(timeoutMs: number): Promise<void> {
    if (this.#wakePending || !this.#running) {
      this.#wakePending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      // Waited out: the poll, or a retry of this dispatcher's coming due.
      const timer = setTimeout(() => {
        this.#claimWanted = true;
        done();
      }, timeoutMs);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.#wake = null;
        self.#wakePending = false;
        resolve();
      }
      this.#wake = done;
    });
  }

  #signal(): void {
    if (this.#wake) this.#wake();
    else this.#wakePending = true;
  }

  /** Wakes the claim loop to claim: deliveries may have become due. */
  #wantClaim(): void {
    this.#claimWanted = true;
    this.#signal();
  }

  async #send(claimed: ClaimedDelivery): Promise<void> {
    const { result, verdict, outcome } = await this.#attempts.attempt(claimed, this.owner);
    this.#between();
    this.#deps.metrics?.recordAttempt(result, verdict.status);
    if (verdict.status === 'failed' && verdict.disableSubscription) {
      this.#deps.logger.warn({ subscriptionId: claimed.subscription.id }, 'endpoint answered 410 Gone; subscription disabled');
    }
    this.#outcomes.add(outcome);
    if (outcome.status === 'pending' && outcome.nextAttemptAt !== null) this.#retryAt = Math.min(this.#retryAt, outcome.nextAttemptAt);
    this.#lanes.finished(claimed, verdict);
  }

  /**
   * How long the claim loop may wait for a wake-up: the poll interval, or less when the earliest
   * retry this dispatcher scheduled comes due sooner, so that it goes out on time rather than up to
   * a poll late. Every outcome written wakes the loop, so a retry's wait is set right after its
   * outcome; the claim that runs once it is due clears it, and later retries are found by the next
   * one's wait or the poll.
   */
  #waitLimit(pollIntervalMs: number): number {
    const left = this.#retryAt - this.#now();
    // Due but not yet claimed (no room): the outcomes that free room wake the loop.
    if (left <= 0) return pollIntervalMs;
    // +1: the timer runs on the monotonic clock and may fire a millisecond before the wall clock
    // the claim compares due times with; waking early costs an empty claim and one more short wait.
    return Math.min(pollIntervalMs, left + 1);
  }

  /** Holds the deliveries and gives them to the lanes, except the overflow of stalled lanes (handed back); returns how many it kept. */
  async #admit(items: ClaimedDelivery[], path: 'claim' | 'handoff', fanOut = new Set<string>()): Promise<number> {
    let kept = 0;
    const overflow: ClaimedDelivery[] = [];
    const capped: string[] = [];
    // What a claim gives a subscription at most (runtime/sending.ts, perSubscriptionClaims).
    const perSubscription = 2 * this.#deps.config.perEndpointConcurrency;
    for (const item of items) {
      const subscriptionId = item.subscription.id;
      const heldOfIt = this.#heldPerSubscription.get(subscriptionId) ?? 0;
      if (fanOut.has(item.delivery.id) && heldOfIt >= perSubscription) {
        capped.push(item.delivery.id);
        continue;
      }
      // A lane that already has a full round waiting and has not finished a send for a while
      // (a hanging endpoint) must not fill the claim window: hand the extra back, due a little
      // later, so other subscriptions' due deliveries get claimed meanwhile. A busy but
      // healthy lane keeps finishing sends and keeps everything it claimed.
      // A handed-off one does not even wait behind a stalled lane: the claim brings it back in turn.
      const full = path === 'handoff' || this.#lanes.waitingIn(item) >= this.#deps.config.perEndpointConcurrency;
      if (full && this.#lanes.stalledFor(item) >= STALL_MS) {
        overflow.push(item);
        continue;
      }
      this.#held.set(item.delivery.id, item);
      this.#heldPerSubscription.set(subscriptionId, heldOfIt + 1);
      if (path === 'handoff') this.#handedOff.add(item.delivery.id);
      this.#lanes.add(item);
      kept += 1;
    }
    this.#deps.metrics?.recordTaken(path, kept);
    if (overflow.length > 0) await this.#handBack(overflow);
    if (capped.length > 0) await this.#handBackToClaim(capped);
    return kept;
  }

  /**
   * Hands back what waits in stalled lanes (hanging endpoints; their sends in flight go on), due a
   * little later: a hanging subscription then holds no more of the window, and of the hand-off's
   * room, than its sends in flight, and the claim's fair shares decide when its backlog returns.
   */
  async #handBackStalled(): Promise<void> {
    const stalled = this.#lanes.takeStalled(STALL_MS);
    if (stalled.length === 0) return;
    for (const claimed of stalled) this.#forget(claimed.delivery.id);
    await this.#handBack(stalled);
    this.#wantClaim();
  }

  /** Hands deliveries back due now, for the claim to share out. */
  async #handBackToClaim(ids: string[]): Promise<void> {
    try {
      await this.#deps.store.releaseDeliveries(this.owner, ids, this.#now());
    } catch (error) {
      // Their leases expire and they become claimable again: late, never lost.
      this.#deps.logger.warn({ err: error }, 'handing back deliveries failed');
    }
    this.#wantClaim();
  }

  /** No longer holds the delivery (its outcome was written, or it was handed back). */
  #forget(deliveryId: string): void {
    const subscriptionId = this.#held.get(deliveryId)?.subscription.id;
    if (subscriptionId !== undefined) {
      const left = this.#heldPerSubscription.get(subscriptionId)! - 1;
      if (left === 0) this.#heldPerSubscription.delete(subscriptionId);
      else this.#heldPerSubscription.set(subscriptionId, left);
    }
    this.#held.delete(deliveryId);
    if (this.#handedOff.delete(deliveryId)) Atomics.add(this.handoffRoom, ROOM_SLOT.left, 1);
  }

  /**
   * Hands back deliveries of stalled lanes, each due again after as long as its lane has been
   * stalled (at least OVERFLOW_DEFER_MS, at most the request timeout, by when the lane's sends in
   * flight have ended): a hanging endpoint's backlog comes back ever more rarely instead of every
   * second, so it costs a claim and a release a few times per timeout, not once a second each.
   */
  async #handBack(items: ClaimedDelivery[]): Promise<void> {
    const now = this.#now();
    const byDueAt = new Map<number, string[]>();
    for (const item of items) {
      const deferMs = Math.min(Math.max(this.#lanes.stalledFor(item), OVERFLOW_DEFER_MS), this.#deps.config.requestTimeoutMs);
      const ids = byDueAt.get(now + deferMs);
      if (ids) ids.push(item.delivery.id);
      else byDueAt.set(now + deferMs, [item.delivery.id]);
    }
    for (const [dueAt, ids] of byDueAt) {
      try {
        await this.#deps.store.releaseDeliveries(this.owner, ids, dueAt);
      } catch (error) {
        // Their leases expire and they become claimable again: late, never lost.
        this.#deps.logger.warn({ err: error }, 'handing back deliveries failed');
      }
    }
  }

  async #renewLeases(): Promise<void> {
    const leased = [...this.#held.keys(), ...this.#queued];
    try {
      for (let start = 0; start < leased.length; start += RENEW_CHUNK) {
        await this.#deps.store.renewLeases(this.owner, leased.slice(start, start + RENEW_CHUNK), this.#now() + this.#deps.config.leaseMs);
      }
    } catch (error) {
      this.#deps.logger.warn({ err: error }, 'renewing leases failed');
    }
  }
}
