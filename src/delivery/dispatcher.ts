import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { DeliveryConfig } from '../config/config.js';
import type { DeliveryFormats } from '../core/envelope.js';
import { newId } from '../core/ids.js';
import type { Attempt, ClaimedDelivery } from '../core/model.js';
import type { SecretBox } from '../core/secret-box.js';
import { aliasStandardHeaders } from '../core/envelope.js';
import { secretKey, standardWebhookHeaders } from '../core/signing.js';
import type { DeliveryOutcome, Store } from '../store/store.js';
import { decideAfterAttempt } from './decide.js';
import type { DeliveryMetrics } from './metrics.js';
import type { OutboundClient, OutboundResult } from './outbound.js';

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
}

const USER_AGENT = 'Hookpost/0.1 (+https://github.com/hookpost)';
// Outcomes are written in batches: at most this many per transaction.
const MAX_OUTCOMES_PER_WRITE = 1000;
// A flush waits this long for more outcomes to join it, unless FLUSH_BATCH are waiting already.
const FLUSH_WINDOW_MS = 5;
const FLUSH_BATCH = 500;

/**
 * Claims due deliveries in batches under a lease, sends them with bounded concurrency overall and
 * per subscription, and records the attempts in batched transactions. A crashed dispatcher's
 * leases expire and its deliveries become claimable again; a live one renews the leases it holds.
 */
export class Dispatcher {
  readonly owner = `dispatcher-${randomBytes(6).toString('hex')}`;
  readonly #deps: DispatcherDeps;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #held = new Map<string, ClaimedDelivery>();
  readonly #queues = new Map<string, ClaimedDelivery[]>();
  readonly #activeBySubscription = new Map<string, number>();
  readonly #keys = new Map<string, { secret: string; key: Buffer }>();
  #sending = 0;
  #outcomes: DeliveryOutcome[] = [];
  #flushing: Promise<void> | null = null;
  #running = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #wakePending = false;
  #unsubscribe: (() => void) | null = null;
  #renewTimer: NodeJS.Timeout | null = null;
  #idle: (() => void) | null = null;

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#random = deps.random ?? Math.random;
  }

  /** Starts claiming; publishes wake it at once, and it also polls for retries coming due. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#unsubscribe = this.#deps.store.onDeliveriesDue(() => this.#signal());
    const { leaseMs } = this.#deps.config;
    this.#renewTimer = setInterval(() => void this.#renewLeases(), Math.max(50, Math.floor(leaseMs / 3)));
    this.#renewTimer.unref();
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
    const unstarted = [...this.#queues.values()].flat();
    this.#queues.clear();
    for (const claimed of unstarted) this.#held.delete(claimed.delivery.id);
    await this.#deps.store.releaseDeliveries(this.owner, unstarted.map((c) => c.delivery.id), this.#now());
    while (this.#sending > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
    await this.#flush();
    if (this.#renewTimer) clearInterval(this.#renewTimer);
  }

  /** How many deliveries this dispatcher holds (claimed and not yet recorded). */
  get held(): number {
    return this.#held.size;
  }

  async #claimLoop(): Promise<void> {
    const { batchSize, concurrency, leaseMs, pollIntervalMs } = this.#deps.config;
    // Hold up to twice the concurrency so that the next requests are ready when slots free up.
    const maxHeld = concurrency * 2;
    while (this.#running) {
      const room = Math.min(batchSize, maxHeld - this.#held.size);
      let claimed: ClaimedDelivery[] = [];
      if (room > 0) {
        try {
          claimed = await this.#deps.store.claimDueDeliveries({ owner: this.owner, now: this.#now(), leaseMs, limit: room });
        } catch (error) {
          this.#deps.logger.error({ err: error }, 'claiming deliveries failed; retrying shortly');
          await sleep(Math.min(pollIntervalMs, 1000));
          continue;
        }
        for (const item of claimed) this.#enqueue(item);
      }
      // A full batch means more may be due now: claim again at once (after letting I/O run).
      if (claimed.length > 0 && claimed.length === room) {
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      await this.#waitForWork(pollIntervalMs);
    }
  }

  #waitForWork(timeoutMs: number): Promise<void> {
    if (this.#wakePending || !this.#running) {
      this.#wakePending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
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

  #enqueue(claimed: ClaimedDelivery): void {
    this.#held.set(claimed.delivery.id, claimed);
    const subscriptionId = claimed.subscription.id;
    const queue = this.#queues.get(subscriptionId);
    if (queue) queue.push(claimed);
    else this.#queues.set(subscriptionId, [claimed]);
    this.#pump(subscriptionId);
  }

  /** Starts as many queued sends of this subscription as its limit and the global limit allow. */
  #pump(subscriptionId: string): void {
    const { concurrency, perEndpointConcurrency } = this.#deps.config;
    const queue = this.#queues.get(subscriptionId);
    if (!queue) return;
    let active = this.#activeBySubscription.get(subscriptionId) ?? 0;
    while (queue.length > 0 && active < perEndpointConcurrency && this.#sending < concurrency) {
      const next = queue.shift()!;
      active += 1;
      this.#sending += 1;
      void this.#send(next);
    }
    this.#activeBySubscription.set(subscriptionId, active);
    if (queue.length === 0) this.#queues.delete(subscriptionId);
  }

  async #send(claimed: ClaimedDelivery): Promise<void> {
    const { delivery, event, subscription } = claimed;
    const attemptNumber = delivery.attemptCount + 1;
    let result: OutboundResult;
    try {
      const { secret, key } = this.#secretOf(subscription.sealedSecret);
      const timestampSeconds = Math.floor(this.#now() / 1000);
      const format = this.#deps.formats.get(subscription.format);
      const rendered = format.render({ event, subscription, secret, deliveryId: delivery.id, timestampSeconds });
      const signed = standardWebhookHeaders(key, event.id, timestampSeconds, rendered.body);
      const headers = {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        ...subscription.headers,
        ...rendered.headers,
        ...signed,
        ...aliasStandardHeaders(format, signed),
      };
      result = await this.#deps.outbound.send({ url: subscription.url, headers, body: rendered.body });
    } catch (error) {
      // Rendering or signing failed: a bug or a damaged row, recorded like a failed attempt.
      this.#deps.logger.error({ err: error, deliveryId: delivery.id }, 'could not prepare a delivery');
      result = {
        startedAt: this.#now(),
        durationMs: 0,
        statusCode: null,
        responseBody: null,
        retryAfterMs: null,
        errorClass: 'network',
        errorMessage: 'could not prepare the request',
      };
    }
    this.#finish(claimed, attemptNumber, result);
  }

  #finish(claimed: ClaimedDelivery, attemptNumber: number, result: OutboundResult): void {
    const { delivery, subscription } = claimed;
    const now = this.#now();
    const verdict = decideAfterAttempt(result, attemptNumber, this.#deps.config.retry, now, this.#random);
    const attempt: Attempt = {
      id: newId('attempt'),
      deliveryId: delivery.id,
      number: attemptNumber,
      startedAt: result.startedAt,
      durationMs: Math.round(result.durationMs),
      statusCode: result.statusCode,
      responseBody: result.responseBody,
      errorClass: result.errorClass,
      errorMessage: result.errorMessage,
      succeeded: verdict.status === 'succeeded',
    };
    this.#outcomes.push({
      deliveryId: delivery.id,
      owner: this.owner,
      attempt,
      status: verdict.status,
      nextAttemptAt: verdict.status === 'pending' ? verdict.nextAttemptAt : null,
      disableSubscription:
        verdict.status === 'failed' && verdict.disableSubscription
          ? { id: subscription.id, reason: 'The endpoint answered 410 Gone.' }
          : null,
    });
    this.#deps.metrics?.recordAttempt(result, verdict.status);
    if (verdict.status === 'failed' && verdict.disableSubscription) {
      this.#deps.logger.warn({ subscriptionId: subscription.id }, 'endpoint answered 410 Gone; subscription disabled');
    }

    this.#sending -= 1;
    this.#activeBySubscription.set(subscription.id, (this.#activeBySubscription.get(subscription.id) ?? 1) - 1);
    if (this.#activeBySubscription.get(subscription.id) === 0 && !this.#queues.has(subscription.id)) {
      this.#activeBySubscription.delete(subscription.id);
    }
    this.#pump(subscription.id);
    // A freed global slot may let another subscription's queue move.
    for (const id of this.#queues.keys()) {
      if (this.#sending >= this.#deps.config.concurrency) break;
      this.#pump(id);
    }
    this.#scheduleFlush();
    if (this.#sending === 0) this.#idle?.();
  }

  #scheduleFlush(): void {
    if (this.#flushing) return;
    // Outcomes are coalesced for a few milliseconds (or until a batch is full) so that each
    // transaction records many attempts: per-transaction cost, not per-row cost, dominates.
    const wait = this.#outcomes.length >= FLUSH_BATCH ? 0 : FLUSH_WINDOW_MS;
    this.#flushing = new Promise<void>((resolve) => setTimeout(resolve, wait)).then(() => this.#flush());
  }

  /** Writes the collected outcomes in batched transactions, then frees their room for new claims. */
  async #flush(): Promise<void> {
    try {
      while (this.#outcomes.length > 0) {
        const batch = this.#outcomes.splice(0, MAX_OUTCOMES_PER_WRITE);
        try {
          await this.#deps.store.recordOutcomes(batch);
        } catch (error) {
          // The leases stay ours until they expire; keep the outcomes and try again.
          this.#deps.logger.error({ err: error }, 'recording delivery outcomes failed; retrying');
          this.#outcomes.unshift(...batch);
          await sleep(200);
          continue;
        }
        for (const outcome of batch) this.#held.delete(outcome.deliveryId);
        this.#signal();
      }
    } finally {
      this.#flushing = null;
    }
  }

  async #renewLeases(): Promise<void> {
    if (this.#held.size === 0) return;
    try {
      await this.#deps.store.renewLeases(this.owner, [...this.#held.keys()], this.#now() + this.#deps.config.leaseMs);
    } catch (error) {
      this.#deps.logger.warn({ err: error }, 'renewing leases failed');
    }
  }

  #secretOf(sealed: string): { secret: string; key: Buffer } {
    let entry = this.#keys.get(sealed);
    if (!entry) {
      const secret = this.#deps.secrets.open(sealed);
      entry = { secret, key: secretKey(secret) };
      if (this.#keys.size > 10_000) this.#keys.clear();
      this.#keys.set(sealed, entry);
    }
    return entry;
  }
}
