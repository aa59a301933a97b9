import { HookpostError } from '../../../core/errors.js';
import type { Application, HookEvent, PageRequest } from '../../../core/model.js';
import { requireApplication } from '../../../service/applications.js';
import type { ServiceDeps } from '../../../service/deps.js';
import { view, type SubscriptionView } from '../../../service/subscriptions.js';
import { coreId } from './presenters.js';
import type { ListQuery } from './schemas.js';

export { SVIX } from './names.js';
import { SVIX } from './names.js';

// Svix's default page size.
const DEFAULT_LIMIT = 50;

/** A Svix list query as a store page request. */
export function pageOf(query: ListQuery): PageRequest {
  return { cursor: query.iterator ?? null, limit: query.limit ?? DEFAULT_LIMIT };
}

/** The tenant's application named in the path by its id or its uid, or not_found. */
export function applicationOf(service: ServiceDeps, tenantId: string, idOrUid: string): Promise<Application> {
  return requireApplication(service, tenantId, idOrUid);
}

/** The application's endpoint named by its `ep_` id or its uid, or undefined. */
export async function findEndpoint(service: ServiceDeps, app: Application, idOrUid: string): Promise<SubscriptionView | undefined> {
  const id = coreId('endpoint', idOrUid);
  const subscription =
    id === undefined
      ? await service.store.getSubscriptionByUid(app.tenantId, app.id, idOrUid)
      : await service.store.getSubscription(app.tenantId, id);
  if (!subscription || subscription.applicationId !== app.id || subscription.format !== SVIX) return undefined;
  return view(service, subscription, false);
}

/** The application's endpoint, or not_found. */
export async function endpointOf(service: ServiceDeps, app: Application, idOrUid: string): Promise<SubscriptionView> {
  const endpoint = await findEndpoint(service, app, idOrUid);
  if (!endpoint) throw new HookpostError('not_found', `No endpoint ${idOrUid} in this application.`);
  return endpoint;
}

/** The application's message named by its `msg_` id or its eventId, or not_found. */
export async function messageOf(service: ServiceDeps, app: Application, idOrEventId: string): Promise<HookEvent> {
  const event = idOrEventId.startsWith('msg_')
    ? await service.store.getEvent(app.tenantId, idOrEventId)
    : await service.store.getEventByUid(app.tenantId, app.id, idOrEventId);
  if (!event || event.applicationId !== app.id) throw new HookpostError('not_found', `No message ${idOrEventId} in this application.`);
  return event;
}
