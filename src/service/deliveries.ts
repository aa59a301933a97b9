import { HookpostError } from '../core/errors.js';
import type { DeliveryWithAttempts, PageRequest } from '../core/model.js';
import type { DeliveryQuery } from '../store/store.js';
import type { ServiceDeps } from './deps.js';

/** A page of the tenant's deliveries, newest first, each with its attempts. */
export function listDeliveries(deps: ServiceDeps, tenantId: string, query: DeliveryQuery, page: PageRequest) {
  return deps.store.listDeliveries(tenantId, query, page);
}

/** The tenant's delivery with its attempts, or not_found. */
export async function requireDelivery(deps: ServiceDeps, tenantId: string, id: string): Promise<DeliveryWithAttempts> {
  const delivery = await deps.store.getDelivery(tenantId, id);
  if (!delivery) throw new HookpostError('not_found', `No delivery ${id}.`);
  return delivery;
}

/**
 * Sends a delivery again now, whatever its state, unless a dispatcher holds it right now.
 * A delivery whose schedule is spent gets exactly one more attempt.
 */
export async function retryDelivery(deps: ServiceDeps, tenantId: string, id: string): Promise<DeliveryWithAttempts> {
  const result = await deps.store.requeueDelivery(tenantId, id, deps.now());
  if (!result) throw new HookpostError('not_found', `No delivery ${id}.`);
  if (!result.requeued) throw new HookpostError('invalid_state', 'This delivery is being sent right now; try again when it finishes.');
  return requireDelivery(deps, tenantId, id);
}

/** The tenant's event, or not_found. */
export async function requireEvent(deps: ServiceDeps, tenantId: string, id: string) {
  const event = await deps.store.getEvent(tenantId, id);
  if (!event) throw new HookpostError('not_found', `No event ${id}.`);
  return event;
}
