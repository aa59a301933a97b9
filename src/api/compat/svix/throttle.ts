import type { Application, Subscription } from '../../../core/model.js';
import type { ServiceDeps } from '../../../service/deps.js';
import { listSubscriptions, modifySubscription } from '../../../service/subscriptions.js';
import { platformDataOf } from '../shared/subscriptions.js';
import { SVIX } from './names.js';
import type { SvixEndpointData } from './presenters.js';

// Svix throttles per endpoint. An application's throttleRate (1.x: rateLimit) propagates to its
// endpoints, and an endpoint's own overrides it (docs.svix.com/throttling). The core enforces one
// rate per subscription (`rateLimitPerSecond`, across workers), so the door writes there the rate in
// force: the endpoint's own, kept in its platform data as the door shows it, else its application's.

// Read a page at a time when an application's rate changes.
const PAGE = 100;

/** The messages per second an endpoint is held to: its own rate, else its application's; 0 or null in both: no limit. */
export function rateInForce(ownRate: number | null | undefined, application: Pick<Application, 'throttleRate'>): number | null {
  return ownRate || application.throttleRate || null;
}

/** The endpoint's own rate, as set through this door (null: it follows its application's). */
function ownRateOf(subscription: Pick<Subscription, 'platformData'>): number | null {
  return platformDataOf<SvixEndpointData>(subscription).throttle_rate ?? null;
}

/**
 * After an application's throttleRate changed: each of its endpoints without a rate of its own takes
 * the new one. Each endpoint is changed in a read-modify-write of its own, so an endpoint given its
 * own rate meanwhile keeps it.
 */
export async function followApplicationRate(service: ServiceDeps, application: Application): Promise<void> {
  const inherited = rateInForce(null, application);
  let cursor: string | null = null;
  do {
    const page = await listSubscriptions(service, application.tenantId, { format: SVIX, applicationId: application.id }, { cursor, limit: PAGE });
    for (const endpoint of page.items) {
      if (ownRateOf(endpoint) || (endpoint.rateLimitPerSecond ?? null) === inherited) continue;
      await modifySubscription(service, application.tenantId, endpoint.id, (current) => (ownRateOf(current) ? {} : { rateLimitPerSecond: inherited }));
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
}
