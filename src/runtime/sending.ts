// What a process that sends needs besides the delivery engine itself, kept apart from it so that
// opening the store, or an API thread whose engine runs on another thread, does not load the
// engine's outbound client (undici) and dispatcher.
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { QueueOptions, Store } from '../store/store.js';

/** How this process's store claims: each subscription may hold twice what it sends at once (the next
 * ones are ready as slots free up, and a hanging endpoint holds only its own small part of the claim window). */
export function queueOptions(config: Config): QueueOptions {
  return { perSubscriptionClaims: 2 * config.delivery.perEndpointConcurrency, circuit: config.delivery.circuit };
}

/**
 * Takes over the database for sending before anything is claimed (on SQLite: the sender lock, and
 * what a dead process held in flight made due again). Every process that sends calls it first.
 */
export async function takeOverSending(store: Store, logger: Logger): Promise<void> {
  const returned = await store.takeOverSending(Date.now());
  if (returned > 0) logger.info({ deliveries: returned }, 'took back the deliveries a stopped process held in flight');
}
