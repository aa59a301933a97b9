import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { DeliveryOutcome, Store } from '../store/store.js';

/** How outcomes are coalesced into transactions. */
export interface OutcomeWriterOptions {
  store: Pick<Store, 'recordOutcomes'>;
  logger: Pick<Logger, 'error'>;
  /** Called after a batch is committed, with the delivery ids it recorded (their leases are done). */
  onWritten: (deliveryIds: string[]) => void;
  /** A flush waits this long for more outcomes to join it ... */
  windowMs?: number;
  /** ... unless this many are waiting already. */
  batchSize?: number;
  /** At most this many outcomes per transaction. */
  maxPerWrite?: number;
  /** Pause before retrying a failed write. */
  retryDelayMs?: number;
}

/**
 * Records attempt outcomes in batched transactions. Per-transaction cost (an fsync, a round trip),
 * not per-row cost, dominates, so outcomes are coalesced for a few milliseconds or until a batch
 * is full. A failed write is retried: the leases stay ours until they expire, and a lost lease
 * only means the store ignores that row.
 */
export class OutcomeWriter {
  readonly #options: Required<OutcomeWriterOptions>;
  #pending: DeliveryOutcome[] = [];
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> | null = null;

  constructor(options: OutcomeWriterOptions) {
    this.#options = { windowMs: 5, batchSize: 500, maxPerWrite: 1000, retryDelayMs: 200, ...options };
  }

  /** Outcomes added and not yet committed. */
  get pending(): number {
    return this.#pending.length;
  }

  /**
   * Queues an outcome; a write follows within the window (at once when a batch is full, or when
   * the outcome is `urgent`: something waits for its commit, such as the next delivery of an ordered group).
   */
  add(outcome: DeliveryOutcome, urgent = false): void {
    this.#pending.push(outcome);
    if (this.#writing) return; // the write under way takes what arrives meanwhile
    if (urgent || this.#pending.length >= this.#options.batchSize) {
      this.#startWrite();
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => this.#startWrite(), this.#options.windowMs);
    }
  }

  /** Writes everything added so far, now, and resolves once it is committed. */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
    if (this.#pending.length > 0) {
      this.#startWrite();
      await this.#writing;
    }
  }

  #startWrite(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#writing) return;
    this.#writing = this.#write();
  }

  async #write(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0, this.#options.maxPerWrite);
        try {
          await this.#options.store.recordOutcomes(batch);
        } catch (error) {
          this.#options.logger.error({ err: error }, 'recording delivery outcomes failed; retrying');
          this.#pending.unshift(...batch);
          await sleep(this.#options.retryDelayMs);
          continue;
        }
        this.#options.onWritten(batch.map((outcome) => outcome.deliveryId));
      }
    } finally {
      this.#writing = null;
    }
  }
}
