import type { EndpointHealth } from '../store/endpoint-health.js';

export type { HealthWindow } from '../store/endpoint-health.js';
import type { ServiceDeps } from './deps.js';
import { requireSubscription } from './subscriptions.js';

/** The tenant's subscription's circuit and its last hour and day of attempts (not_found for another tenant's). */
export async function subscriptionHealth(deps: ServiceDeps, tenantId: string, id: string): Promise<EndpointHealth & { active: boolean }> {
  const subscription = await requireSubscription(deps, tenantId, id);
  return { active: subscription.active, ...(await deps.store.getEndpointHealth(subscription.id, deps.now())) };
}
