import { Type } from '../../../vendor/typebox.js';
import { callerOf, READS_WEBHOOKS, WRITES_WEBHOOKS } from '../shared/credentials.js';
import { installPlatformErrors } from '../shared/errors.js';
import { noBody } from '../shared/openapi.js';
import { PlatformSubscriptions } from '../shared/subscriptions.js';
import type { RoutePlugin } from '../../v1/context.js';
import { schoolmakerError } from './errors.js';
import { SCHOOLMAKER } from './format.js';
import { CreateWebhookBody, SchoolMakerWebhook, WebhookParams, filterFor, parseExtraParameters, presentWebhook, type SchoolMakerData } from './webhooks.js';

const tags = ['compat: SchoolMaker'];

/** SchoolMaker's webhook API under `/api/v1/webhooks`: create, list, get, delete. */
export const schoolmakerRoutes: RoutePlugin = async (app, { service }) => {
  installPlatformErrors(app, schoolmakerError);
  const webhooks = new PlatformSubscriptions(service, SCHOOLMAKER);

  app.post(
    '/api/v1/webhooks',
    { config: WRITES_WEBHOOKS, schema: { tags, summary: 'Create a Webhook', body: CreateWebhookBody, response: { 201: SchoolMakerWebhook } } },
    async (request, reply) => {
      const { tenantId } = await callerOf(service, request);
      const body = request.body;
      const extra = parseExtraParameters(body.extra_parameters);
      const data: Partial<SchoolMakerData> = { extra_parameters: extra, ...(body.provider === undefined ? {} : { provider: body.provider }) };
      const created = await webhooks.create(tenantId, {
        url: body.webhook_url,
        eventTypes: [body.event_type],
        filter: filterFor(body.event_type, extra),
        platformData: data,
      });
      return reply.status(201).send(presentWebhook(created));
    },
  );

  app.get('/api/v1/webhooks', { config: READS_WEBHOOKS, schema: { tags, summary: 'List webhooks', response: { 200: Type.Array(SchoolMakerWebhook) } } }, async (request) => {
    const { tenantId } = await callerOf(service, request);
    return (await webhooks.list(tenantId)).map(presentWebhook);
  });

  app.get('/api/v1/webhooks/:id', { config: READS_WEBHOOKS, schema: { tags, summary: 'Get a webhook', params: WebhookParams, response: { 200: SchoolMakerWebhook } } }, async (request) => {
    const { tenantId } = await callerOf(service, request);
    return presentWebhook(await webhooks.get(tenantId, request.params.id));
  });

  app.delete(
    '/api/v1/webhooks/:id',
    { config: WRITES_WEBHOOKS, schema: { tags, summary: 'Delete a webhook', params: WebhookParams, response: { 204: noBody('Deleted.') } } },
    async (request, reply) => {
      const { tenantId } = await callerOf(service, request);
      await webhooks.remove(tenantId, request.params.id);
      return reply.status(204).send();
    },
  );
};
