import type { HookEvent } from '../core/model.js';
import type { ServiceDeps } from './deps.js';
import { checkPayload, planDeliveries } from './event-plan.js';
import type { PayloadSchemas } from './payload-schemas.js';

/** What a door publishes. */
export interface PublishInput {
  type: string;
  data: unknown;
  id?: string | undefined;
  resourceId?: string | null | undefined;
  deliverAt?: number | null | undefined;
}

/** The stored event, whether this call created it, and how many deliveries it fanned out to. */
export interface PublishResult {
  event: HookEvent;
  created: boolean;
  deliveries: number;
}

/**
 * Validates an event against its type, finds the tenant's matching subscriptions and writes the
 * event with one delivery each in one transaction. A repeated id changes nothing and answers
 * with the stored event.
 */
export async function publishEvent(
  deps: ServiceDeps,
  schemas: PayloadSchemas,
  tenantId: string,
  input: PublishInput,
): Promise<PublishResult> {
  await checkPayload(deps, schemas, input);
  if (input.id !== undefined) {
    const existing = await deps.store.getEvent(tenantId, input.id);
    if (existing) return { event: existing, created: false, deliveries: 0 };
  }
  const { event, deliveries } = await planDeliveries(deps, tenantId, input);
  const result = await deps.store.insertEventWithDeliveries(event, deliveries);
  return { event: result.event, created: result.created, deliveries: result.created ? deliveries.length : 0 };
}
