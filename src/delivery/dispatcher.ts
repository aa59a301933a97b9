import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { DeliveryConfig } from '../config/config.js';
import type { DeliveryFormats } from '../core/envelope.js';
import { newDispatcherOwner, newHandoffRoom, ROOM_SLOT } from '../core/handoff-room.js';
import type { ClaimedDelivery } from '../core/model.js';
import type { SecretBox } from '../core/secret-box.js';
import { orderingGroup } from '../core/ordering.js';
import { heldAgainstShare } from '../core/shares.js';
import type { Store } from '../store/store.js';
import { AttemptMaker, type AttemptMade } from './attempt.js';
import { Lanes, subscriptionConcurrency, type LaneRule } from './lanes.js';
import type { DeliveryMetrics } from './metrics.js';
import type { OutboundClient } from './outbound.js';
import { OutcomeWriter } from './outcome-writer.js';
import type { Tracing } from '../core/tracing.js';

// Deliveries handed back because their lane was stalled come due again after at least this long.
const OVERFLOW_DEFER_MS = 1_000;
// A lane that has finished no send for this long counts as stalled.
const STALL_MS = 1_000;
// Lease renewals and hand-backs commit at most this many deliveries a transaction, so that a
// publish's commit never waits for all of them (a hanging endpoint's queue handed back may hold
// tens of thousands).
const WRITE_CHUNK = 1_000;

/** Writes `ids` through `write`, WRITE_CHUNK at a time. */
async function inChunks(ids: string[], write: (chunk: string[]) => Promise<void>): Promise<void> {
  for (let start = 0; start < ids.length; start += WRITE_CHUNK) await write(ids.slice(start, start + WRITE_CHUNK));
}

/** How often a dispatcher renews its leases: three times a lease, so that one late renewal loses none. */
const renewalInterval = (leaseMs: number) => Math.max(50, Math.floor(leaseMs / 3));

/** A handed-off delivery waiting to be read, and when the lease its publish wrote runs out. */
interface QueuedHandoff {
  id: string;
  leasedUntil: number;
}

/**
 * What the dispatcher keeps of one subscription while it holds, queues or reads deliveries of it,
 * or sent one lately. One record, found once per step of a delivery, rather than a Map or Set per
 * count keyed by the subscription's id: a fan-out to 10,000 subscriptions filled and emptied six
 * such maps per delivery, about 15 % of the delivery thread (docs/performance.md, "16th session").
 * Dropped at a sweep once nothing is left in it.
 */
interface SubscriptionState {
  /** Deliveries held (claimed or read, not yet recorded or handed back). */
  held: number;
  /** Of those, sent and waiting for their outcome's write: up to a share's worth no longer count against its share, of the hand-off's reads (#pickQueued) and of the claims (ClaimRequest.settled). */
  sentUnwritten: number;
  /** Queued deliveries being read now (they count against its share of a read). */
  reading: number;
  /** Handed-off deliveries leased to this dispatcher and not read yet (the subscription is in #queued while this is not empty). */
  queue: QueuedHandoff[];
  /** When a send to it last succeeded (kept for STALL_MS): see #readCap. */
  succeededAt: number | undefined;
  /** Since when it has had queued deliveries, held all it may and had none succeed (#takeStuckQueues). */
  stuckSince: number | undefined;
}

/** A delivery the dispatcher holds, with its subscription's record and where it stands. */
interface HeldDelivery {
  claimed: ClaimedDelivery;
  of: SubscriptionState;
  /** It came by hand-off: it holds a unit of `handoffRoom` until its outcome is written (or it is handed back). */
  handedOff: boolean;
  /** When its send started, while a handed-off one is in flight (see #longSendCount). */
  sendingSince: number | null;
  /** A handed-off send found in flight for STALL_MS or more. */
  longSend: boolean;
  /** Sent, its outcome not written yet. */
  sentUnwritten: boolean;
}

/** What a dispatcher works with. */
export interface DispatcherDeps {
  store: Store;
  /** Where outcomes are recorded: the store unless set (the delivery thread's outcome thread, cli/outcome-thread-handle.ts). */
  outcomes?: Pick<Store, 'recordOutcomes'> | undefined;
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
  /**
   * Its lease owner and hand-off room, when they were made before it (newDispatcherOwner,
   * newHandoffRoom): the delivery thread's, by the API's thread, which hands publishes off to it
   * from the start, before the thread is ready. Made here otherwise.
   */
  handoff?: { owner: string; room: Int32Array } | undefined;
}

/**
 * The claim loop: claims due deliveries in batches under a lease, hands them to the lanes (which
 * decide when each may start), makes each attempt, and gives the outcomes to the outcome writer.
 * A crashed dispatcher's leases expire and its deliveries become claimable again; a live one
 * renews the leases it holds, and a delivery stays held until its outcome is committed.
 */
export class Dispatcher {
  readonly owner: string;
  readonly #deps: DispatcherDeps;
  readonly #now: () => number;
  /** Held deliveries (claimed or handed off, not yet recorded or handed back), by id. */
  readonly #held = new Map<string, HeldDelivery>();
  /** How many of them came by hand-off. */
  #handedOffHeld = 0;
  /** The subscriptions this dispatcher holds, queues or reads deliveries of, or lately sent to. */
  readonly #subscriptions = new Map<string, SubscriptionState>();
  /**
   * How many more deliveries publishes may hand off to this dispatcher, how many of those only a
   * wide fan-out may take, and how many subscriptions make a fan-out wide (see service/handoff.ts);
   * shared memory, so that the API's thread can take from it while this one gives back.
   */
  readonly handoffRoom: Int32Array;
  /**
   * Handed-off deliveries leased to this dispatcher and not read yet, by subscription: the claim
   * loop reads them as its window frees (a fan-out's thousands at once would fill it), taking the
   * subscriptions in turn (a batch's thousands for one must not keep another tenant's fresh one
   * waiting), and renews the leases of those that wait long enough to need it.
   */
  readonly #queued = new Map<string, SubscriptionState>();
  #queuedCount = 0;
  // The stuck subscriptions as last reported (onStuckChange), joined, and where the report goes.
  #reportedStuck = '';
  #onStuckChange: (subscriptionIds: string[]) => void = () => {};
  // Handed-off sends found in flight for STALL_MS or more (a hanging endpoint's, HeldDelivery.longSend),
  // which no longer count against the hand-off's read window: five hanging endpoints' sends held
  // most of it until their timeout, and the healthy endpoints beside them had too few deliveries
  // ready to keep their sends going.
  #longSendCount = 0;
  // Handed-off held deliveries sent and waiting for their outcome's write: up to a window's worth
  // of those no longer count against the read window either. Writes wait behind the API thread's
  // commits (10 to 50 ms under a batch load), and counting what waits for them left too few ready
  // to send.
  #handedOffUnwritten = 0;
  // Sends of ordered deliveries under way: the outcome of the last of them is written at once (see #send).
  #orderedSending = 0;
  // Claimed deliveries sent since the last claim, and whether that claim took any: half a share
  // sent wakes the claim loop, which may claim that much more of their subscriptions already.
  #claimedSentSinceClaim = 0;
  #lastClaimTook = 0;
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
    this.owner = deps.handoff?.owner ?? newDispatcherOwner();
    this.handoffRoom = deps.handoff?.room ?? newHandoffRoom(deps.config);
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
    this.#outcomes = new OutcomeWriter({
      store: deps.outcomes ?? deps.store,
      logger: deps.logger,
      ...(deps.outcomeWindowMs !== undefined ? { windowMs: deps.outcomeWindowMs } : {}),
      onWritten: (ids) => {
        // Room for new claims. Every outcome, handed-off ones too: a subscription's claims are
        // capped by what it holds in flight, handed-off deliveries included, so any outcome may
        // make more of its due deliveries claimable. (Waking only for claimed deliveries' outcomes
        // left batch publishes' claimed part waiting for the poll: 19 % fewer events/s.) Except
        // while handed-off deliveries are queued: then the loop reads the next of those, and claims
        // once the queue is empty (see #claimWanted).
        if (this.#queuedCount === 0 || ids.some((id) => this.#held.get(id)?.handedOff !== true)) this.#claimWanted = true;
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
    this.#renewTimer = setInterval(() => void this.#renewLeases(), renewalInterval(leaseMs));
    this.#renewTimer.unref();
    this.#sweepTimer = setInterval(() => void this.#sweep(), STALL_MS);
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
    const queued = [...this.#queued.values()].flatMap((state) => state.queue.splice(0).map((item) => item.id));
    this.#queued.clear();
    this.#queuedCount = 0;
    Atomics.add(this.handoffRoom, ROOM_SLOT.left, queued.length);
    const now = this.#now();
    await inChunks([...unstarted.map((c) => c.delivery.id), ...queued], (ids) => this.#deps.store.releaseDeliveries(this.owner, ids, now));
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
   * claim loop reads them as its window frees and sends them like claimed ones. Each id comes once,
   * with its subscription's id at the same index; `leasedUntil` is when the earliest of their
   * leases runs out.
   */
  async take(deliveryIds: string[], subscriptionIds: string[], leasedUntil: number): Promise<void> {
    if (!this.#running) {
      // Called without awaiting (a message from the API's thread): #release logs a failure, which
      // must not become an unhandled rejection, and the room comes back either way.
      await this.#release(deliveryIds, this.#now());
      Atomics.add(this.handoffRoom, ROOM_SLOT.left, deliveryIds.length);
      return;
    }
    deliveryIds.forEach((id, index) => {
      const subscriptionId = subscriptionIds[index]!;
      const state = this.#stateOf(subscriptionId);
      if (state.queue.length === 0) this.#queued.set(subscriptionId, state);
      state.queue.push({ id, leasedUntil });
    });
    this.#queuedCount += deliveryIds.length;
    // Read now what fits, without waiting for the claim loop (it may be inside a claim); the loop reads the rest.
    const reading = this.#readable();
    if (reading > 0) await this.#takeQueued(reading);
    // Only for what is left: a wake-up now would run a claim (a synchronous transaction) right
    // after these deliveries started, delaying their answers by as much (tenant isolation's p50).
    if (this.#queuedCount > 0) this.#signal();
  }

  /**
   * How many queued handed-off deliveries to read now: never more of them held, waiting or sending,
   * than the concurrency (the rest of the window stays the claims', so other tenants' due work is
   * claimed while a fan-out or a batch is sent; sends hanging for a second or more and, up to a
   * window, sends waiting for their outcome's write do not count), and a quarter round at a time at
   * least (a read costs little whatever its size, and its deliveries must be ready before the lanes
   * run dry).
   */
  #readable(): number {
    const { batchSize, concurrency } = this.#deps.config;
    // Not bounded by the claims' window: a hand-off never waited for claimed deliveries to finish.
    const held = this.#handedOffHeld - this.#longSendCount - Math.min(this.#handedOffUnwritten, concurrency);
    const free = Math.min(this.#queuedCount, batchSize, concurrency - held - this.#reading);
    const minRead = Math.ceil(Math.min(batchSize, Math.ceil(concurrency / 2)) / 2);
    return free > 0 && free >= Math.min(minRead, this.#queuedCount) ? free : 0;
  }

  /**
   * How many of a subscription's handed-off deliveries it may hold at once. One whose sends are
   * succeeding gets half the window (a batch to one endpoint keeps its sends going while their
   * outcomes wait for a write behind the API's commits); one whose sends are not, a new one or a
   * hanging one, no more than it may send at once: five hanging endpoints holding half the window
   * each left the healthy ones beside them nothing to read for seconds (docs/performance.md).
   */
  #readCap(state: SubscriptionState, now: number): number {
    const { concurrency, perEndpointConcurrency } = this.#deps.config;
    const { succeededAt } = state;
    if (succeededAt !== undefined && now - succeededAt < STALL_MS) return Math.max(2 * perEndpointConcurrency, Math.ceil(concurrency / 2));
    return perEndpointConcurrency;
  }

  /**
   * Takes up to `limit` queued deliveries, the subscriptions in turn, each no more than its cap
   * (#readCap) leaves; a subscription read from goes to the back for the next read.
   */
  #pickQueued(limit: number): Array<{ id: string; of: SubscriptionState }> {
    const now = this.#now();
    const picked: Array<{ id: string; of: SubscriptionState }> = [];
    const readFrom: string[] = [];
    for (const [subscriptionId, state] of this.#queued) {
      if (picked.length >= limit) break;
      const cap = this.#readCap(state, now);
      // Sent and waiting for their outcome's write, up to a cap's worth, no longer count: counted, a
      // batch to one endpoint sent nothing for 10 to 15 ms at a time while its writes waited (all
      // of its cap sent, none written).
      const held = heldAgainstShare(state.held + state.reading, state.sentUnwritten, cap);
      const count = Math.min(state.queue.length, cap - held, limit - picked.length);
      if (count <= 0) continue;
      for (const item of state.queue.splice(0, count)) picked.push({ id: item.id, of: state });
      state.reading += count;
      readFrom.push(subscriptionId);
    }
    // Moved after the walk: a Map's iteration would visit an entry set again during it.
    for (const subscriptionId of readFrom) {
      const state = this.#queued.get(subscriptionId)!;
      this.#queued.delete(subscriptionId);
      if (state.queue.length > 0) this.#queued.set(subscriptionId, state);
    }
    this.#queuedCount -= picked.length;
    return picked;
  }

  /**
   * Reads up to `limit` queued handed-off deliveries (fewer when their subscriptions hold their
   * caps) and returns how many it read. Those whose subscription may not send now come back from
   * the store handed back, due now, for a claim to apply its circuit; the room of every one not
   * kept is given back.
   */
  async #takeQueued(limit: number): Promise<number> {
    const picked = this.#pickQueued(limit);
    if (picked.length === 0) return 0;
    const deliveryIds = picked.map((item) => item.id);
    let kept = 0;
    this.#reading += deliveryIds.length;
    try {
      // One claimed meanwhile (its lease ran out before it was read) is held once, as claimed (#admit).
      kept = await this.#admit(await this.#deps.store.takeHandedOff(this.owner, deliveryIds, this.#now()), 'handoff');
    } catch (error) {
      // Their leases run out and a claim takes them: late, never lost.
      this.#deps.logger.warn({ err: error }, 'taking handed-off deliveries failed');
    } finally {
      this.#reading -= deliveryIds.length;
      for (const { of } of picked) of.reading -= 1;
      Atomics.add(this.handoffRoom, ROOM_SLOT.left, deliveryIds.length - kept);
    }
    // The hand-off's outcomes did not claim meanwhile (see #claimWanted): whatever they freed, claim it now.
    if (this.#queuedCount === 0 && this.#claimDeferred) {
      this.#claimDeferred = false;
      this.#claimWanted = true;
    }
    return deliveryIds.length;
  }

  /**
   * Runs `step` between the engine's own steps: after each finished send and each outcome write,
   * before and after each claim. Work that arrives from another thread (the delivery thread's hand-offs, see
   * cli/handoff-port.ts) is then taken within a step, not after the rest of a busy event-loop turn.
   */
  between(step: () => void): void {
    this.#between = step;
  }

  /**
   * Calls `listener` with the subscriptions this dispatcher finds stuck (#takeStuckQueues: a
   * hanging endpoint's) whenever they change, at its sweeps: the hand-off then leaves their new
   * deliveries to the claim (DeliveryHandoff.setStuck) instead of leasing them to a queue that the
   * next sweep would hand back.
   */
  onStuckChange(listener: (subscriptionIds: string[]) => void): void {
    this.#onStuckChange = listener;
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
      const readable = this.#readable();
      const read = readable > 0 ? await this.#takeQueued(readable) : 0;
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
          // A copy: a store may read it after an await, and outcomes written meanwhile change it.
          const settled = this.#settledBySubscription();
          this.#claimedSentSinceClaim = 0;
          claimed = await this.#deps.store.claimDueDeliveries({ owner: this.owner, now, leaseMs, limit: room, settled });
        } catch (error) {
          this.#claimWanted = true;
          this.#deps.logger.error({ err: error }, 'claiming deliveries failed; retrying shortly');
          await sleep(Math.min(pollIntervalMs, 1000));
          continue;
        }
        this.#lastClaimTook = claimed.length;
        // A full batch means more may be due now.
        if (claimed.length === room) this.#claimWanted = true;
        await this.#admit(claimed, 'claim');
        this.#between();
      }
      // More to read or claim now: go on at once (after letting I/O run).
      if ((claimed.length > 0 && claimed.length === room) || (read > 0 && this.#readable() > 0)) {
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
    // Lanes start only what #admit holds, and it stays held until its outcome is written.
    const held = this.#held.get(claimed.delivery.id)!;
    const { handedOff } = held;
    if (handedOff) held.sendingSince = this.#now();
    const ordered = orderingGroup(claimed.subscription, claimed.event) !== null;
    if (ordered) this.#orderedSending += 1;
    let attempted: AttemptMade;
    try {
      attempted = await this.#attempts.attempt(claimed, this.owner);
    } finally {
      if (ordered) this.#orderedSending -= 1;
    }
    const { result, verdict, outcome } = attempted;
    held.sentUnwritten = true;
    held.of.sentUnwritten += 1;
    if (handedOff) {
      held.sendingSince = null;
      if (held.longSend) {
        held.longSend = false;
        this.#longSendCount -= 1;
      }
      this.#handedOffUnwritten += 1;
      // The read window grew: read into it now rather than at the outcome's write.
      if (this.#readable() > 0) this.#signal();
    } else if (this.#lastClaimTook > 0 && ++this.#claimedSentSinceClaim >= this.#deps.config.perEndpointConcurrency) {
      // Their shares grew: claim into them now rather than at the outcomes' write.
      this.#wantClaim();
    }
    if (verdict.status === 'succeeded') held.of.succeededAt = this.#now();
    this.#between();
    this.#deps.metrics?.recordAttempt(result, verdict.status);
    if (verdict.status === 'failed' && verdict.disableSubscription) {
      this.#deps.logger.warn({ subscriptionId: claimed.subscription.id }, 'endpoint answered 410 Gone; subscription disabled');
    }
    // An ordered group's next delivery is claimed only once this outcome is committed, so the last
    // ordered send under way has its outcome written at once rather than after the window (a
    // subscription ordered as a whole sent about 150 a second with it). Not each one: the outcomes
    // of many groups' sends, arriving together, are written and then claimed after in one go.
    this.#outcomes.add(outcome, ordered && this.#orderedSending === 0);
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
  async #admit(items: ClaimedDelivery[], path: 'claim' | 'handoff'): Promise<number> {
    let kept = 0;
    const overflow: ClaimedDelivery[] = [];
    for (const item of items) {
      // Held already (claimed while a hand-off of it waited, its lease having run out): sent once.
      if (this.#held.has(item.delivery.id)) continue;
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
      const of = this.#stateOf(item.subscription.id);
      of.held += 1;
      this.#held.set(item.delivery.id, { claimed: item, of, handedOff: path === 'handoff', sendingSince: null, longSend: false, sentUnwritten: false });
      if (path === 'handoff') this.#handedOffHeld += 1;
      this.#lanes.add(item);
      kept += 1;
    }
    this.#deps.metrics?.recordTaken(path, kept);
    if (overflow.length > 0) await this.#handBack(overflow);
    return kept;
  }

  /**
   * Once a STALL_MS: forgets successes older than that (#readCap), stops counting hand-off sends in
   * flight that long against the read window (#readable), and hands back the queues of stuck
   * subscriptions (#takeStuckQueues) and what waits in stalled lanes (hanging endpoints; their
   * sends in flight go on), due a little later: a hanging subscription then holds no more of the
   * window, and of the hand-off's room, than its sends in flight, and the claim's fair shares
   * decide when its backlog returns.
   */
  async #sweep(): Promise<void> {
    const now = this.#now();
    this.#ageSubscriptions(now);
    const longSends = this.#longSendCount;
    for (const held of this.#held.values()) {
      if (held.sendingSince === null || held.longSend || now - held.sendingSince < STALL_MS) continue;
      held.longSend = true;
      this.#longSendCount += 1;
    }
    // The read window grew: read into it now.
    if (this.#longSendCount > longSends) this.#signal();
    const stuck = this.#takeStuckQueues(now);
    this.#reportStuck();
    this.#dropIdleSubscriptions();
    const stalled = this.#lanes.takeStalled(STALL_MS);
    if (stalled.length === 0 && stuck.length === 0) return;
    for (const claimed of stalled) this.#forget(claimed.delivery.id);
    await this.#handBack(stalled);
    for (const { ids, dueAt } of stuck) await this.#release(ids, dueAt);
    this.#wantClaim();
  }

  /**
   * Empties the queues of subscriptions that have held all they may (#readCap) since a sweep or more
   * ago with no send succeeding since (a hanging endpoint): their deliveries go back to the store due
   * later, the longer it has been stuck the later (as #handBack's), and their room to the publishes,
   * which a hanging endpoint's queue would otherwise fill for a timeout. It stays stuck until a send
   * of it succeeds, so what is handed off to it meanwhile goes back at the next sweep.
   */
  #takeStuckQueues(now: number): Array<{ ids: string[]; dueAt: number }> {
    const { perEndpointConcurrency, requestTimeoutMs } = this.#deps.config;
    const taken: Array<{ ids: string[]; dueAt: number }> = [];
    for (const [subscriptionId, state] of this.#queued) {
      if (state.succeededAt !== undefined) continue;
      const since = state.stuckSince;
      if (since === undefined) {
        if (state.held >= perEndpointConcurrency) state.stuckSince = now;
        continue;
      }
      const queue = state.queue.splice(0);
      this.#queued.delete(subscriptionId);
      this.#queuedCount -= queue.length;
      Atomics.add(this.handoffRoom, ROOM_SLOT.left, queue.length);
      taken.push({ ids: queue.map((item) => item.id), dueAt: now + Math.min(Math.max(now - since, OVERFLOW_DEFER_MS), requestTimeoutMs) });
    }
    return taken;
  }

  /** Tells the onStuckChange listener which subscriptions are stuck, if that changed since it was last told. */
  #reportStuck(): void {
    const stuck: string[] = [];
    for (const [subscriptionId, state] of this.#subscriptions) if (state.stuckSince !== undefined) stuck.push(subscriptionId);
    stuck.sort();
    const joined = stuck.join(' ');
    if (joined === this.#reportedStuck) return;
    this.#reportedStuck = joined;
    this.#onStuckChange(stuck);
  }

  /** Forgets successes older than STALL_MS, and that a subscription is stuck once it holds and queues nothing or a send of it succeeded. */
  #ageSubscriptions(now: number): void {
    for (const state of this.#subscriptions.values()) {
      if (state.succeededAt !== undefined && now - state.succeededAt >= STALL_MS) state.succeededAt = undefined;
      const idle = state.held === 0 && state.queue.length === 0;
      if (idle || state.succeededAt !== undefined) state.stuckSince = undefined;
    }
  }

  /** The record of a subscription, made when it is first needed (#dropIdleSubscriptions drops it). */
  #stateOf(subscriptionId: string): SubscriptionState {
    let state = this.#subscriptions.get(subscriptionId);
    if (state === undefined) {
      state = { held: 0, sentUnwritten: 0, reading: 0, queue: [], succeededAt: undefined, stuckSince: undefined };
      this.#subscriptions.set(subscriptionId, state);
    }
    return state;
  }

  /** Drops the records of subscriptions with nothing held, queued, being read, lately succeeded or stuck (at a sweep: a record in use is never dropped). */
  #dropIdleSubscriptions(): void {
    for (const [subscriptionId, state] of this.#subscriptions) {
      const idle = state.held === 0 && state.reading === 0 && state.queue.length === 0 && state.succeededAt === undefined && state.stuckSince === undefined;
      if (idle) this.#subscriptions.delete(subscriptionId);
    }
  }

  /**
   * Of each subscription, how many held deliveries are sent and waiting for their outcome's write
   * (ClaimRequest.settled). Found through the held deliveries, at most a window or two, not the
   * subscriptions' records: those of every subscription sent to in the last second or two may
   * number tens of thousands (fan-outs over many tenants), and a claim may run for each outcome write.
   */
  #settledBySubscription(): Map<string, number> {
    const settled = new Map<string, number>();
    for (const held of this.#held.values()) if (held.sentUnwritten) settled.set(held.claimed.subscription.id, held.of.sentUnwritten);
    return settled;
  }

  /** No longer holds the delivery (its outcome was written, or it was handed back). */
  #forget(deliveryId: string): void {
    const held = this.#held.get(deliveryId);
    if (held === undefined) return;
    this.#held.delete(deliveryId);
    held.of.held -= 1;
    if (held.sentUnwritten) held.of.sentUnwritten -= 1;
    if (!held.handedOff) return;
    this.#handedOffHeld -= 1;
    Atomics.add(this.handoffRoom, ROOM_SLOT.left, 1);
    if (held.sentUnwritten) this.#handedOffUnwritten -= 1;
    if (held.longSend) this.#longSendCount -= 1;
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
    for (const [dueAt, ids] of byDueAt) await this.#release(ids, dueAt);
  }

  /** Gives deliveries back to the store, due at `dueAt`. */
  async #release(ids: string[], dueAt: number): Promise<void> {
    try {
      await inChunks(ids, (chunk) => this.#deps.store.releaseDeliveries(this.owner, chunk, dueAt));
    } catch (error) {
      // Their leases expire and they become claimable again: late, never lost.
      this.#deps.logger.warn({ err: error }, 'handing back deliveries failed');
    }
  }

  /**
   * Renews the leases of the held deliveries, and of the queued ones whose lease would run out
   * before the next renewal: most of a queue is read long before, and renewing thousands of queued
   * rows every interval (each moving in deliveries_due) cost as much as claiming them.
   */
  async #renewLeases(): Promise<void> {
    const { leaseMs } = this.#deps.config;
    const now = this.#now();
    const until = now + leaseMs;
    // Twice the renewal interval: the next renewal may run late behind a busy event loop.
    const soon = now + 2 * renewalInterval(leaseMs);
    const leased = [...this.#held.keys()];
    for (const { queue } of this.#queued.values()) {
      for (const item of queue) {
        if (item.leasedUntil > soon) continue;
        leased.push(item.id);
        item.leasedUntil = until;
      }
    }
    try {
      await inChunks(leased, (ids) => this.#deps.store.renewLeases(this.owner, ids, until));
    } catch (error) {
      this.#deps.logger.warn({ err: error }, 'renewing leases failed');
    }
  }
}
