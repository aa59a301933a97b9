import { HookpostError } from '../../../core/errors.js';
import { localEventType } from '../../../core/event-namespaces.js';
import { actorOf, callerOf, credentialSigning, READS_EVENTS, READS_WEBHOOKS, WRITES_WEBHOOKS } from '../shared/credentials.js';
import { installPlatformErrors } from '../shared/errors.js';
import { noBody } from '../shared/openapi.js';
import { numberedPage } from '../shared/paging.js';
import { PlatformSubscriptions } from '../shared/subscriptions.js';
import type { RoutePlugin } from '../../v1/context.js';
import { THINKIFIC_TOPICS } from './catalog.js';
import { thinkificError } from './errors.js';
import { THINKIFIC } from './format.js';
import { IdParams, ThinkificEvent, ThinkificWebhook, ThinkificWebhookList, WebhookBody, WebhookListQuery, presentEvent, presentWebhook, type ThinkificData } from './webhooks.js';

const tags = ['compat: Thinkific'];
const topics = new Set(THINKIFIC_TOPICS);

/** Thinkific's Webhooks API under `/api/v2`: webhooks (create, list, get, update, delete) and events. */
export const thinkificRoutes: RoutePlugin = async (app, { service }) => {
  installPlatformErrors(app, thinkificError);
  const webhooks = new PlatformSubscriptions(service, THINKIFIC);

  app.post('/api/v2/webhooks', { config: WRITES_WEBHOOKS, schema: { tags, summary: 'Create Webhook', body: WebhookBody, response: { 201: ThinkificWebhook } } }, async (request, reply) => {
    const { tenantId, principal } = await callerOf(service, request);
    const actor = actorOf(principal);
    const data: ThinkificData = { created_by: actor, updated_by: actor };
    // Thinkific signs deliveries with the API key the webhook was created with.
    const signing = credentialSigning(request, principal);
    const created = await webhooks.create(tenantId, {
      url: request.body.target_url,
      eventTypes: [request.body.topic],
      secret: signing.secret,
      platformData: { ...data, ...signing.platformData },
    });
    return reply.status(201).send(presentWebhook(created));
  });

  app.get('/api/v2/webhooks', { config: READS_WEBHOOKS, schema: { tags, summary: 'Get Webhooks', querystring: WebhookListQuery, response: { 200: ThinkificWebhookList } } }, async (request) => {
    const { tenantId } = await callerOf(service, request);
    const { page = 1, limit = 25, next } = request.query;
    const all = await webhooks.list(tenantId);
    // `next` continues after the last webhook of the previous page (ids sort in creation order);
    // the totals are always those of the whole list, however the page was reached.
    const rest = next ? all.filter((webhook) => webhook.id > next) : all;
    const cut = numberedPage(rest, next ? 1 : page, limit);
    const whole = numberedPage(all, 1, limit);
    return {
      items: cut.items.map(presentWebhook),
      meta: {
        page: {
          has_next: cut.hasNext,
          next_page: cut.hasNext ? (cut.items[cut.items.length - 1]?.id ?? '') : '',
          page_items: cut.items.length,
          total_items: whole.totalItems,
          total_pages: whole.totalPages,
        },
      },
    };
  });

  app.get('/api/v2/webhooks/:id', { config: READS_WEBHOOKS, schema: { tags, summary: 'Get Webhook by ID', params: IdParams, response: { 200: ThinkificWebhook } } }, async (request) => {
    const { tenantId } = await callerOf(service, request);
    return presentWebhook(await webhooks.get(tenantId, request.params.id));
  });

  app.put('/api/v2/webhooks/:id', { config: WRITES_WEBHOOKS, schema: { tags, summary: 'Update Webhook by ID', params: IdParams, body: WebhookBody, response: { 200: ThinkificWebhook } } }, async (request) => {
    const { tenantId, principal } = await callerOf(service, request);
    const changes = { url: request.body.target_url, eventTypes: [request.body.topic] };
    return presentWebhook(await webhooks.update(tenantId, request.params.id, changes, { updated_by: actorOf(principal) }));
  });

  app.delete(
    '/api/v2/webhooks/:id',
    { config: WRITES_WEBHOOKS, schema: { tags, summary: 'Delete Webhook by ID', params: IdParams, response: { 204: noBody('Deleted.') } } },
    async (request, reply) => {
      const { tenantId } = await callerOf(service, request);
      await webhooks.remove(tenantId, request.params.id);
      return reply.status(204).send();
    },
  );

  app.get('/api/v2/events/:id', { config: READS_EVENTS, schema: { tags, summary: 'Get Event by ID', params: IdParams, response: { 200: ThinkificEvent } } }, async (request) => {
    const { tenantId } = await callerOf(service, request);
    const event = await service.store.getEvent(tenantId, request.params.id);
    const topic = event && localEventType(THINKIFIC, event.type);
    if (!event || !topic || !topics.has(topic)) throw new HookpostError('not_found', `No event ${request.params.id}.`);
    return presentEvent({ ...event, type: topic });
  });
};
