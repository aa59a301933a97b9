import type { ClaimedDelivery, EpochMs } from '../core/model.js';
import type { AttemptVerdict } from './decide.js';

/**
 * What a rule answers for the delivery at the head of a lane:
 * - `'go'`: this rule lets it start now;
 * - `'wait'`: not now; ask again when a send of any lane finishes (a slot frees up);
 * - `'full'`: as `'wait'`, and the same for every lane in this delivery's group (the rule's
 *   `group`, e.g. its origin) until a send finishes: the lanes do not ask about them meanwhile;
 * - a number: not before this epoch ms (a rate limit, an open circuit); the lanes set a timer.
 */
export type LaneVerdict = 'go' | 'wait' | 'full' | EpochMs;

/** How a send that a rule admitted ended: the verdict of its attempt, or `released` (handed back unsent). */
export type LaneFinish = AttemptVerdict | { status: 'released' };

/**
 * A limit on when deliveries may start. Lanes ask every rule, in order, about the delivery at
 * the head of each lane; the first rule that does not say `'go'` holds the whole lane back (a
 * lane is first-in, first-out, so ordering rules keep their order). Rules that count (concurrency
 * caps, rate limits, circuits) learn of every start and finish through `started` and `finished`.
 *
 * Rules are how the engine grows: per-origin caps, per-subscription rate limits, the circuit
 * breaker and ordering are each a rule passed to `new Lanes`, never a change to the claim loop.
 */
export interface LaneRule {
  /** Short name for logs and tests. */
  readonly name: string;
  admit(claimed: ClaimedDelivery, now: EpochMs): LaneVerdict;
  /** The group a delivery's `'full'` answer covers (needed by a rule that answers `'full'`). */
  group?(claimed: ClaimedDelivery): string;
  started?(claimed: ClaimedDelivery, now: EpochMs): void;
  finished?(claimed: ClaimedDelivery, finish: LaneFinish, now: EpochMs): void;
}

/** How lanes are set up. */
export interface LanesOptions {
  /** Sends in flight across all lanes at most. */
  concurrency: number;
  /** Rules beyond the overall cap, asked in order (see `subscriptionConcurrency`). */
  rules: LaneRule[];
  /** Starts a send; the caller reports its end with `finished(claimed, finish)`. */
  start: (claimed: ClaimedDelivery) => void;
  now: () => EpochMs;
  /** Timers for rules that answer with a time; tests may pass fakes. */
  setTimer?: (fn: () => void, ms: number) => { unref?: () => void };
}

/** Which lane a delivery waits in: one per subscription. */
export function laneOf(claimed: ClaimedDelivery): string {
  return claimed.subscription.id;
}

/**
 * Claimed deliveries wait in one first-in, first-out lane per subscription; a lane's head starts
 * when the overall cap and every rule allow it. A slow or hanging subscription fills only its own
 * lane: other lanes keep moving while it waits. Freed slots go round the TENANTS in turn, and
 * within a tenant round its lanes (as the claim shares its window, docs/delivery.md): a tenant
 * with many busy subscriptions gets no more of the slots than a tenant with one.
 */
export class Lanes {
  readonly #options: LanesOptions;
  readonly #setTimer: NonNullable<LanesOptions['setTimer']>;
  // Lanes with deliveries waiting, in the order they are visited (a lane that starts a send moves
  // to the back, so one busy subscription cannot take every freed slot first).
  readonly #waiting = new Map<string, ClaimedDelivery[]>();
  // The tenants in the order they get a freed slot (a tenant whose lane starts a send moves to the
  // back). A lane's tenant is its deliveries' subscription's: a waiting lane is never empty.
  readonly #tenantTurns = new Set<string>();
  readonly #timers = new Map<string, EpochMs>();
  // When each lane with waiting deliveries last made progress (a send finished).
  readonly #progress = new Map<string, EpochMs>();
  // For each rule with groups: how many waiting lanes have their head in each group. A pass that
  // has found groups full stops once they hold every waiting lane (see #pumpAll).
  readonly #heads = new Map<LaneRule, Map<string, number>>();
  // Groups found full so far (all passes): a pass checks the count above only after finding one.
  #fullFound = 0;
  #sending = 0;
  #idle: (() => void) | null = null;

  constructor(options: LanesOptions) {
    this.#options = options;
    this.#setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    for (const rule of options.rules) if (rule.group !== undefined) this.#heads.set(rule, new Map());
  }

  /** Sends in flight. */
  get sending(): number {
    return this.#sending;
  }

  /** Deliveries waiting in a lane, not yet started. */
  get queued(): number {
    let count = 0;
    for (const queue of this.#waiting.values()) count += queue.length;
    return count;
  }

  /** Deliveries waiting (not started) in the lane this delivery would join. */
  waitingIn(claimed: ClaimedDelivery): number {
    return this.#waiting.get(laneOf(claimed))?.length ?? 0;
  }

  /** Milliseconds since a send of this delivery's lane last finished (or since its deliveries began waiting). */
  stalledFor(claimed: ClaimedDelivery): number {
    const since = this.#progress.get(laneOf(claimed));
    return since === undefined ? 0 : this.#options.now() - since;
  }

  /** Puts a claimed delivery at the back of its lane and starts what may start. */
  add(claimed: ClaimedDelivery): void {
    const lane = laneOf(claimed);
    const queue = this.#waiting.get(lane);
    if (queue) queue.push(claimed);
    else {
      this.#waiting.set(lane, [claimed]);
      this.#countHead(claimed, 1);
    }
    this.#tenantTurns.add(claimed.subscription.tenantId);
    if (!this.#progress.has(lane)) this.#progress.set(lane, this.#options.now());
    this.#pumpLane(lane);
  }

  /** Reports the end of a send that `start` began; frees its slot and starts what may start now. */
  finished(claimed: ClaimedDelivery, finish: LaneFinish): void {
    const now = this.#options.now();
    for (const rule of this.#options.rules) rule.finished?.(claimed, finish, now);
    this.#sending -= 1;
    // The lane that just had a turn goes to the back, so freed slots go round the lanes in turn.
    const lane = laneOf(claimed);
    const queue = this.#waiting.get(lane);
    if (queue) {
      this.#waiting.delete(lane);
      this.#waiting.set(lane, queue);
      this.#progress.set(lane, now);
    } else {
      this.#progress.delete(lane);
    }
    this.#pumpAll();
    if (this.#sending === 0) this.#idle?.();
  }

  /** Empties every lane and returns what was waiting (to hand back to the store on stop). */
  takeWaiting(): ClaimedDelivery[] {
    const all = [...this.#waiting.values()].flat();
    this.#waiting.clear();
    this.#tenantTurns.clear();
    for (const heads of this.#heads.values()) heads.clear();
    return all;
  }

  /**
   * Empties the lanes that have had deliveries waiting with no send of theirs finishing for at
   * least `minMs` (a hanging endpoint) and returns what was waiting, so that it can be handed back
   * instead of holding the dispatcher's window (and hand-off room) for a timeout per round.
   */
  takeStalled(minMs: number): ClaimedDelivery[] {
    const now = this.#options.now();
    const taken: ClaimedDelivery[] = [];
    for (const [lane, queue] of this.#waiting) {
      const since = this.#progress.get(lane);
      if (since === undefined || now - since < minMs) continue;
      taken.push(...queue);
      this.#waiting.delete(lane);
      this.#countHead(queue[0]!, -1);
      // Its progress stays: the lane is stalled until a send of it finishes, so a delivery that
      // joins it meanwhile finds it stalled for as long as it has been (see Dispatcher#handBack).
    }
    return taken;
  }

  /** Resolves once no send is in flight. */
  async idle(): Promise<void> {
    while (this.#sending > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
  }

  #pumpAll(): void {
    // One tenant (the common case): its lanes in their own turn order, without building the tenants'
    // order on every finished send. Map iteration tolerates the moves #pumpLane makes; it stops once
    // slots run out.
    const lanes = this.#tenantTurns.size <= 1 ? this.#waiting.keys() : this.#inTurn();
    // Groups a rule declared full in this pass: nothing finishes during a pass, so their other lanes
    // are not asked (a fan-out to one origin waits in thousands of lanes behind its connection cap,
    // and every finished send would otherwise ask each of them in turn).
    const full = new Map<LaneRule, Set<string>>();
    for (const lane of lanes) {
      if (this.#sending >= this.#options.concurrency) return;
      const head = full.size > 0 ? this.#waiting.get(lane)?.[0] : undefined;
      if (head !== undefined && this.#inFullGroup(head, full)) continue;
      const found = this.#fullFound;
      this.#pumpLane(lane, full);
      // Every lane still waiting is in a full group: the rest of the pass would only skip them
      // (a fan-out's hundreds of lanes behind one origin's cap, passed over on every finished send).
      if (this.#fullFound !== found && this.#holdsAllWaiting(full)) return;
    }
  }

  /** Whether the groups one rule found full hold the head of every waiting lane (a lane's head is in one group of each rule). */
  #holdsAllWaiting(full: Map<LaneRule, Set<string>>): boolean {
    for (const [rule, groups] of full) {
      const heads = this.#heads.get(rule)!;
      let held = 0;
      for (const group of groups) held += heads.get(group) ?? 0;
      if (held >= this.#waiting.size) return true;
    }
    return false;
  }

  /** Counts a delivery becoming (1) or ceasing to be (-1) the head of a waiting lane, in each rule's group of it. */
  #countHead(claimed: ClaimedDelivery, delta: 1 | -1): void {
    for (const [rule, heads] of this.#heads) {
      const group = rule.group!(claimed);
      const count = (heads.get(group) ?? 0) + delta;
      if (count === 0) heads.delete(group);
      else heads.set(group, count);
    }
  }

  #inFullGroup(claimed: ClaimedDelivery, full: Map<LaneRule, Set<string>>): boolean {
    for (const [rule, groups] of full) if (groups.has(rule.group!(claimed))) return true;
    return false;
  }

  /** The waiting lanes in the order freed slots go to them: the first lane of each tenant (tenants in turn), then the second of each, … */
  #inTurn(): string[] {
    const byTenant = new Map<string, string[]>();
    for (const tenant of this.#tenantTurns) byTenant.set(tenant, []);
    for (const [lane, queue] of this.#waiting) byTenant.get(queue[0]!.subscription.tenantId)?.push(lane);
    for (const [tenant, lanes] of byTenant) {
      // A tenant with nothing waiting leaves the turns (its next delivery brings it back, at the end).
      if (lanes.length > 0) continue;
      this.#tenantTurns.delete(tenant);
      byTenant.delete(tenant);
    }
    const order: string[] = [];
    const rounds = Math.max(0, ...[...byTenant.values()].map((lanes) => lanes.length));
    for (let round = 0; round < rounds; round += 1) {
      for (const lanes of byTenant.values()) if (round < lanes.length) order.push(lanes[round]!);
    }
    return order;
  }

  /** Starts the lane's head while the overall cap and every rule say go; `full` holds the groups found full in this pass. */
  #pumpLane(lane: string, full?: Map<LaneRule, Set<string>>): void {
    const queue = this.#waiting.get(lane);
    if (!queue) return;
    const now = this.#options.now();
    let started: ClaimedDelivery | null = null;
    while (queue.length > 0 && this.#sending < this.#options.concurrency) {
      const head = queue[0]!;
      const verdict = this.#admit(head, now, full);
      if (verdict !== 'go') {
        if (typeof verdict === 'number') this.#wakeAt(lane, verdict, now);
        break;
      }
      queue.shift();
      this.#countHead(head, -1);
      if (queue.length > 0) this.#countHead(queue[0]!, 1);
      this.#sending += 1;
      for (const rule of this.#options.rules) rule.started?.(head, now);
      started = head;
      this.#options.start(head);
    }
    // Its tenant goes to the back of the turns; the only tenant already is (a Set's delete and add
    // for each started send showed in a fan-out's profile).
    if (started && this.#tenantTurns.size > 1) {
      const tenant = started.subscription.tenantId;
      if (this.#tenantTurns.delete(tenant)) this.#tenantTurns.add(tenant);
    }
    if (queue.length === 0) {
      this.#waiting.delete(lane);
    } else if (started && this.#waiting.get(lane) === queue) {
      this.#waiting.delete(lane);
      this.#waiting.set(lane, queue);
    }
  }

  #admit(claimed: ClaimedDelivery, now: EpochMs, full?: Map<LaneRule, Set<string>>): LaneVerdict {
    for (const rule of this.#options.rules) {
      const verdict = rule.admit(claimed, now);
      if (verdict === 'go') continue;
      if (verdict === 'full' && full !== undefined && rule.group !== undefined) this.#markFull(rule, rule.group(claimed), full);
      return verdict === 'full' ? 'wait' : verdict;
    }
    return 'go';
  }

  #markFull(rule: LaneRule, group: string, full: Map<LaneRule, Set<string>>): void {
    const groups = full.get(rule) ?? new Set<string>();
    if (groups.has(group)) return;
    full.set(rule, groups.add(group));
    this.#fullFound += 1;
  }

  #wakeAt(lane: string, at: EpochMs, now: EpochMs): void {
    const pending = this.#timers.get(lane);
    if (pending !== undefined && pending <= at) return;
    this.#timers.set(lane, at);
    const timer = this.#setTimer(() => {
      if (this.#timers.get(lane) === at) this.#timers.delete(lane);
      this.#pumpLane(lane);
    }, Math.max(0, at - now));
    timer.unref?.();
  }
}

/** At most `limit` sends in flight per subscription: a slow endpoint uses only its own slots. */
export function subscriptionConcurrency(limit: number): LaneRule {
  const active = new Map<string, number>();
  return {
    name: 'subscription-concurrency',
    admit: (claimed) => ((active.get(claimed.subscription.id) ?? 0) < limit ? 'go' : 'wait'),
    started(claimed) {
      const id = claimed.subscription.id;
      active.set(id, (active.get(id) ?? 0) + 1);
    },
    finished(claimed) {
      const id = claimed.subscription.id;
      const left = (active.get(id) ?? 1) - 1;
      if (left === 0) active.delete(id);
      else active.set(id, left);
    },
  };
}
