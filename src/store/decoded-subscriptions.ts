import type { Subscription } from '../core/model.js';

// Past this many a connection's decoded subscriptions start over: enough for the widest fan-out the
// hand-off takes whole (16,384) with room to spare, and never more memory than that.
const MAX_ENTRIES = 32_768;

/**
 * Subscriptions as decoded from their rows, each with the revision it was read at (SQLite migration
 * 0015: the revision moves with every change to the subscription's columns). A delivery read asks
 * for the revisions only and decodes again only the subscriptions whose revision moved, so a
 * fan-out's 10,000 deliveries do not read and decode 10,000 whole rows per event, and an edit (URL,
 * secret, headers, …) counts from the next read. The decoded subscriptions are frozen: every
 * delivery of a subscription shares one.
 */
export class DecodedSubscriptions {
  readonly #entries = new Map<string, { revision: number; subscription: Subscription }>();

  /** The subscription decoded at exactly this revision, if it is kept. */
  get(id: string, revision: number): Subscription | undefined {
    const entry = this.#entries.get(id);
    return entry !== undefined && entry.revision === revision ? entry.subscription : undefined;
  }

  /** Keeps a subscription just decoded from its row at `revision`; returns it frozen. */
  keep(revision: number, subscription: Subscription): Subscription {
    if (this.#entries.size >= MAX_ENTRIES && !this.#entries.has(subscription.id)) this.#entries.clear();
    const frozen = Object.freeze(subscription);
    this.#entries.set(subscription.id, { revision, subscription: frozen });
    return frozen;
  }
}
