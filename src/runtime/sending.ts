// What a process that sends needs besides the delivery engine itself, kept apart from it so that
// opening the store, or an API thread whose engine runs on another thread, does not load the
// engine's outbound client (undici) and dispatcher.
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { QueueOptions, Store } from '../store/store.js';
import { claimsPerSubscription } from '../delivery/subscription-claims.js';

/** How this process's store claims: each subscription may hold a few rounds of what it sends at once
 * (delivery/subscription-claims.ts: the next ones are ready as slots free up, and a claim takes
 * several rounds at once; a hanging endpoint's waiting part is handed back, see the dispatcher). */
export function queueOptions(config: Config): QueueOptions {
  return { perSubscriptionClaims: claimsPerSubscription(config.delivery.perEndpointConcurrency), circuit: config.delivery.circuit };
}

/**
 * Takes over the database for sending before anything is claimed (on SQLite: the sender lock, and
 * what a dead process held in flight made due again). Every process that sends calls it first.
 */
export async function takeOverSending(store: Store, logger: Logger): Promise<void> {
  const returned = await store.takeOverSending(Date.now());
  if (returned > 0) logger.info({ deliveries: returned }, 'took back the deliveries a stopped process held in flight');
}
