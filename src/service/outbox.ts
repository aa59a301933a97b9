import { insertEventThrough, type OutboxClient } from '../store/index.js';
import type { ServiceDeps } from './deps.js';
import { checkPayload, planDeliveries } from './event-plan.js';
import type { PayloadSchemas } from './payload-schemas.js';
import type { PublishInput, PublishResult } from './publish.js';

/**
 * Publishes inside the caller's PostgreSQL transaction: the same checks and matching as the
 * API's publish, then the event and its deliveries written through `client`. The event exists
 * if and only if the caller's transaction commits.
 */
export async function publishThrough(
  deps: ServiceDeps,
  schemas: PayloadSchemas,
  client: OutboxClient,
  tenantId: string,
  input: PublishInput,
): Promise<PublishResult> {
  await checkPayload(deps, schemas, input);
  const { event, deliveries } = await planDeliveries(deps, tenantId, input);
  const result = await insertEventThrough(client, event, deliveries);
  return { event: result.event, created: result.created, deliveries: result.created ? deliveries.length : 0 };
}
