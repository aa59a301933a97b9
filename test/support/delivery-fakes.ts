// Fakes for the delivery engine's unit tests: a store that keeps claims in memory, a clock that
// moves only when told, and an outbound client whose answers the test decides.
import pino from 'pino';
import { createSecretBox } from '../../src/core/secret-box.js';
import type { ClaimedDelivery } from '../../src/core/model.js';
import type { OutboundClient, OutboundRequest, OutboundResult } from '../../src/delivery/outbound.js';
import { candidateOf } from '../../src/store/claim-shares.js';
import type { ClaimRequest, DeliveryOutcome, Store } from '../../src/store/store.js';
import { subscriptionRecord } from './subscription-record.js';

/** A clock tests move by hand. */
export class FakeClock {
  constructor(public at = Date.UTC(2026, 0, 1)) {}
  now = (): number => this.at;
  advance(ms: number): void {
    this.at += ms;
  }
}

let sequence = 0;

/** A claimed delivery of subscription `subscriptionId` (native format, a sealed secret the fake box opens). */
export function claimedDelivery(
  subscriptionId = 'sub_a',
  overrides: { attemptCount?: number; url?: string; maxInFlight?: number; ordering?: 'subscription' } = {},
): ClaimedDelivery {
  sequence += 1;
  const id = `dlv_${String(sequence).padStart(6, '0')}`;
  return {
    delivery: {
      id,
      tenantId: 'ten_a',
      eventId: `evt_${id}`,
      subscriptionId,
      status: 'in_flight',
      attemptCount: overrides.attemptCount ?? 0,
      nextAttemptAt: null,
      lastStatusCode: null,
      lastError: null,
      createdAt: 0,
      updatedAt: 0,
    },
    event: { tenantId: 'ten_a', id: `evt_${id}`, type: 'unit.tested', data: { n: sequence }, resourceId: null, createdAt: 0, deliverAt: null },
    subscription: subscriptionRecord('ten_a', 0, {
      id: subscriptionId,
      url: overrides.url ?? `http://receiver.test/${subscriptionId}`,
      sealedSecret: sealedTestSecret,
      ...(overrides.maxInFlight !== undefined ? { maxInFlight: overrides.maxInFlight } : {}),
      ...(overrides.ordering !== undefined ? { ordering: overrides.ordering } : {}),
    }),
  };
}

/** The real secret box (pure code) with a fixed key; `claimedDelivery` seals its secret with it. */
export const testSecrets = createSecretBox(Buffer.alloc(32, 7));
/** The plaintext secret of every `claimedDelivery`. */
export const TEST_SECRET = 'whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=';
const sealedTestSecret = testSecrets.seal(TEST_SECRET);

/** The part of the store the engine uses, in memory: due deliveries to claim, outcomes recorded. */
export class FakeQueueStore {
  due: ClaimedDelivery[] = [];
  claims: ClaimRequest[] = [];
  recorded: DeliveryOutcome[][] = [];
  released: string[] = [];
  releasedDueAt: number[] = [];
  /** How many deliveries each releaseDeliveries call handed back. */
  releasedSizes: number[] = [];
  renewed: string[][] = [];
  failWrites = 0;
  /**
   * When set, a claim takes no more of a subscription than this share allows, by the stores' rule
   * (claim-shares.ts candidateOf): what the claimer holds of it (claimed, not yet recorded or
   * released) counts, less what the request says settled. Null: a claim takes whatever is due.
   */
  claimShare: number | null = null;
  #listeners = new Set<() => void>();
  #handedOff = new Map<string, ClaimedDelivery>();
  // Claimed and not yet recorded or released, with its subscription (when claimShare is set).
  readonly #claimed = new Map<string, string>();

  asStore(): Store {
    return this as unknown as Store;
  }

  /** Makes deliveries due and wakes listeners, as a publish does. */
  publish(...items: ClaimedDelivery[]): void {
    this.due.push(...items);
    for (const listener of this.#listeners) listener();
  }

  /**
   * When the leases of deliveries handed off from now on run out (the publish wrote them). The
   * epoch, before any fake clock's time, unless a test sets it: the dispatcher renews them at once.
   */
  handOffLeasedUntil = 0;

  /** Hands deliveries straight to the dispatcher's engine, as a publish of its own process does (no claim). */
  handOff(dispatcher: { take(ids: string[], subscriptionIds: string[], leasedUntil: number): Promise<void> }, ...items: ClaimedDelivery[]): Promise<void> {
    for (const item of items) this.#handedOff.set(item.delivery.id, item);
    return dispatcher.take(
      items.map((item) => item.delivery.id),
      items.map((item) => item.subscription.id),
      this.handOffLeasedUntil,
    );
  }

  async takeHandedOff(_owner: string, ids: string[]): Promise<ClaimedDelivery[]> {
    return ids.flatMap((id) => this.#handedOff.get(id) ?? []);
  }

  async claimDueDeliveries(request: ClaimRequest): Promise<ClaimedDelivery[]> {
    this.claims.push(request);
    const share = this.claimShare;
    if (share === null) return this.due.splice(0, request.limit);
    const held = new Map<string, number>();
    for (const subscriptionId of this.#claimed.values()) held.set(subscriptionId, (held.get(subscriptionId) ?? 0) + 1);
    const taken: ClaimedDelivery[] = [];
    this.due = this.due.filter((item) => {
      const { id: subscriptionId, tenantId } = item.subscription;
      const inFlight = held.get(subscriptionId) ?? 0;
      const { room } = candidateOf({ subscription_id: subscriptionId, tenant_id: tenantId, in_flight: inFlight, circuit: 'closed' }, share, request.settled?.get(subscriptionId));
      if (taken.length >= request.limit || room <= 0) return true;
      taken.push(item);
      held.set(subscriptionId, inFlight + 1);
      this.#claimed.set(item.delivery.id, subscriptionId);
      return false;
    });
    return taken;
  }
  async recordOutcomes(outcomes: DeliveryOutcome[]): Promise<void> {
    if (this.failWrites > 0) {
      this.failWrites -= 1;
      throw new Error('disk full (fake)');
    }
    this.recorded.push(outcomes);
    for (const outcome of outcomes) this.#claimed.delete(outcome.deliveryId);
  }
  async releaseDeliveries(_owner: string, ids: string[], dueAt: number): Promise<void> {
    for (const id of ids) this.#claimed.delete(id);
    this.released.push(...ids);
    this.releasedDueAt.push(dueAt);
    this.releasedSizes.push(ids.length);
  }
  async renewLeases(_owner: string, ids: string[]): Promise<void> {
    this.renewed.push(ids);
  }
  onDeliveriesDue(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get outcomes(): DeliveryOutcome[] {
    return this.recorded.flat();
  }
}

/** An outbound client that records requests; each answer waits until the test resolves it (or answers `status` at once). */
export class FakeOutbound implements OutboundClient {
  requests: OutboundRequest[] = [];
  #held: Array<{ request: OutboundRequest; answer: (status: number) => void }> = [];
  constructor(
    private readonly clock: FakeClock,
    public immediateStatus: number | null = 200,
  ) {}

  async send(request: OutboundRequest): Promise<OutboundResult> {
    this.requests.push(request);
    const startedAt = this.clock.now();
    const status =
      this.immediateStatus ?? (await new Promise<number>((resolve) => this.#held.push({ request, answer: resolve })));
    return {
      startedAt,
      durationMs: 1,
      statusCode: status,
      responseBody: null,
      retryAfterMs: null,
      errorClass: status >= 200 && status < 300 ? null : 'http_status',
      errorMessage: null,
    } as OutboundResult;
  }

  /** Requests waiting for an answer. */
  get waiting(): number {
    return this.#held.length;
  }

  /** Answers the oldest waiting requests (all by default) with `status`. */
  answer(status: number, count = this.#held.length): void {
    for (const held of this.#held.splice(0, count)) held.answer(status);
  }

  async close(): Promise<void> {}
}

/** A logger that writes nowhere. */
export const silentLogger = pino({ level: 'silent' });

/** Resolves when `check` holds, polling each tick (fake parts finish in microtasks and short timers). */
export async function until(check: () => boolean, what: string, limitMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
