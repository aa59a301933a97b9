import { HookpostError } from '../../../core/errors.js';
import { EmptyResponse, ListResponse, MessageAttemptOut } from './answers.js';
import type { Application, DeliveryWithAttempts } from '../../../core/model.js';
import { listDeliveries, retryDelivery } from '../../../service/deliveries.js';
import type { ServiceDeps } from '../../../service/deps.js';
import { callerOf } from '../shared/credentials.js';
import type { RoutePlugin } from '../../v1/context.js';
import { applicationOf, endpointOf, messageOf, pageOf } from './lookup.js';
import { listOut, presentAttempt, presentMessage } from './presenters.js';
import { AttemptListQuery, AttemptParams, EndpointParams, MessageParams, ResendParams } from './schemas.js';

const READS_DELIVERIES = { scope: 'deliveries:read' } as const;
const WRITES_DELIVERIES = { scope: 'deliveries:write' } as const;

// A message's or an endpoint's attempts are read whole (up to this many deliveries, in pages)
// and then cut into Svix pages, newest first, so filters and iterators work on attempts.
const DELIVERY_BATCH = 250;
const MAX_DELIVERIES = 10_000;

type Presented = ReturnType<typeof presentAttempt>;

/** `/api/v1/app/{app}/attempt/…`, `/msg/{msg}/attempt/{attempt}` and resend: the delivery log. */
export const attemptRoutes: RoutePlugin = async (app, { service }) => {
  app.get(
    '/api/v1/app/:app/attempt/msg/:msg',
    { config: READS_DELIVERIES, schema: { params: MessageParams, querystring: AttemptListQuery, response: { 200: ListResponse(MessageAttemptOut) } } },
    async (request) => {
      const { tenantId } = await callerOf(service, request);
      const application = await applicationOf(service, tenantId, request.params.app);
      const message = await messageOf(service, application, request.params.msg);
      const endpointId = request.query.endpoint_id
        ? (await endpointOf(service, application, request.query.endpoint_id)).id
        : undefined;
      const attempts = await attemptsOf(service, application, { eventId: message.id, ...(endpointId ? { subscriptionId: endpointId } : {}) });
      return pageOfAttempts(attempts, request.query);
    },
  );

  app.get(
    '/api/v1/app/:app/attempt/endpoint/:endpoint',
    { config: READS_DELIVERIES, schema: { params: EndpointParams, querystring: AttemptListQuery, response: { 200: ListResponse(MessageAttemptOut) } } },
    async (request) => {
      const { tenantId } = await callerOf(service, request);
      const application = await applicationOf(service, tenantId, request.params.app);
      const endpoint = await endpointOf(service, application, request.params.endpoint);
      const withMsg = request.query.with_msg ?? false;
      const attempts = await attemptsOf(service, application, { subscriptionId: endpoint.id }, withMsg);
      return pageOfAttempts(attempts, request.query);
    },
  );

  app.get('/api/v1/app/:app/msg/:msg/attempt/:attempt', { config: READS_DELIVERIES, schema: { params: AttemptParams, response: { 200: MessageAttemptOut } } }, async (request) => {
    const { tenantId } = await callerOf(service, request);
    const application = await applicationOf(service, tenantId, request.params.app);
    const message = await messageOf(service, application, request.params.msg);
    const found = (await attemptsOf(service, application, { eventId: message.id })).find((attempt) => attempt.id === request.params.attempt);
    if (!found) throw new HookpostError('not_found', `No attempt ${request.params.attempt} of this message.`);
    return found;
  });

  app.post(
    '/api/v1/app/:app/msg/:msg/endpoint/:endpoint/resend',
    { config: WRITES_DELIVERIES, schema: { params: ResendParams, response: { 202: EmptyResponse } } },
    async (request, reply) => {
      const { tenantId } = await callerOf(service, request);
      const application = await applicationOf(service, tenantId, request.params.app);
      const message = await messageOf(service, application, request.params.msg);
      const endpoint = await endpointOf(service, application, request.params.endpoint);
      const page = await listDeliveries(service, tenantId, { eventId: message.id, subscriptionId: endpoint.id }, { cursor: null, limit: 1 });
      const delivery = page.items[0];
      if (!delivery) throw new HookpostError('not_found', 'This message was never sent to this endpoint.');
      await retryDelivery(service, tenantId, delivery.id);
      return reply.status(202).send({});
    },
  );
};

/** Every attempt of the matching deliveries, newest first. */
async function attemptsOf(
  service: ServiceDeps,
  application: Application,
  query: { eventId?: string; subscriptionId?: string },
  withMsg = false,
): Promise<Presented[]> {
  const deliveries: DeliveryWithAttempts[] = [];
  let cursor: string | null = null;
  do {
    const page = await listDeliveries(service, application.tenantId, query, { cursor, limit: DELIVERY_BATCH });
    deliveries.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null && deliveries.length < MAX_DELIVERIES);
  const urls = new Map<string, string>();
  const messages = new Map<string, ReturnType<typeof presentMessage>>();
  const attempts: Presented[] = [];
  for (const delivery of deliveries) {
    if (!urls.has(delivery.subscriptionId)) {
      urls.set(delivery.subscriptionId, (await service.store.getSubscription(application.tenantId, delivery.subscriptionId))?.url ?? '');
    }
    if (withMsg && !messages.has(delivery.eventId)) {
      const event = await service.store.getEvent(application.tenantId, delivery.eventId);
      if (event) messages.set(delivery.eventId, presentMessage(event, true));
    }
    for (const attempt of delivery.attempts) {
      const msg = messages.get(delivery.eventId);
      attempts.push(
        presentAttempt(attempt, {
          eventId: delivery.eventId,
          subscriptionId: delivery.subscriptionId,
          url: urls.get(delivery.subscriptionId) ?? '',
          ...(msg ? { msg } : {}),
        }),
      );
    }
  }
  // Attempt ids are ULIDs: newest first is descending id order.
  return attempts.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** One Svix page of attempts after the iterator (the last attempt id shown), filtered by status and time. */
function pageOfAttempts(attempts: Presented[], query: AttemptListQuery) {
  const before = query.before === undefined ? Infinity : Date.parse(query.before);
  const after = query.after === undefined ? -Infinity : Date.parse(query.after);
  const filtered = attempts.filter((attempt) => {
    const at = Date.parse(attempt.timestamp);
    return (query.status === undefined || attempt.status === query.status) && at < before && at > after;
  });
  const { cursor, limit } = pageOf(query);
  const start = cursor === null ? 0 : filtered.findIndex((attempt) => attempt.id === cursor) + 1;
  if (cursor !== null && start === 0) throw new HookpostError('bad_request', 'The iterator is not one this API gave out.');
  const items = filtered.slice(start, start + limit);
  const more = start + limit < filtered.length;
  return listOut(items, more ? (items[items.length - 1]?.id ?? null) : null);
}
