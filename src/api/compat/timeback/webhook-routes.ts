import type { SubscriptionView } from '../../../service/subscriptions.js';
import { installPlatformErrors } from '../shared/errors.js';
import type { RoutePlugin } from '../../v1/context.js';
import { timebackAccess } from './access.js';
import { mapWebhookError } from './errors.js';
import { presentWebhook } from './mapping.js';
import { IdParams, StatusAnswer, WebhookAnswer, WebhookBody, WebhookListAnswer, WebhookListQuery } from './schemas.js';
import { clientSecretOf, createWebhook, listWebhooks, replaceWebhook, requireWebhook, setWebhookActive, softDeleteWebhook } from './webhooks.js';

const tags = ['compat: timeback'];
const READ = 'read' as const;
const WRITE = 'write' as const;
const SUCCESS = { status: 'success' as const, message: '', errors: null };

/** `/webhooks/…`: create, list, get, replace, activate, deactivate and (soft) delete. */
export const webhookRoutes: RoutePlugin = async (app, { service }) => {
  installPlatformErrors(app, mapWebhookError);
  const show = async (subscription: SubscriptionView) => ({ webhook: presentWebhook(subscription, await clientSecretOf(service, { subscription })) });

  app.post('/', { config: { platformAccess: WRITE }, schema: { tags, summary: 'Create a webhook', body: WebhookBody, response: { 201: WebhookAnswer } } }, async (request, reply) => {
    const { tenantId } = await timebackAccess.caller(service, request);
    return reply.status(201).send(await show(await createWebhook(service, tenantId, request.body)));
  });

  app.get('/', { config: { platformAccess: READ }, schema: { tags, summary: 'Get webhooks (for a sensor)', querystring: WebhookListQuery, response: { 200: WebhookListAnswer } } }, async (request) => {
    const { tenantId } = await timebackAccess.caller(service, request);
    const webhooks = await listWebhooks(service, tenantId, request.query.sensor);
    return { webhooks: await Promise.all(webhooks.map(async ({ subscription }) => (await show(subscription)).webhook)) };
  });

  app.get('/:id', { config: { platformAccess: READ }, schema: { tags, summary: 'Get a webhook', params: IdParams, response: { 200: WebhookAnswer } } }, async (request) => {
    const { tenantId } = await timebackAccess.caller(service, request);
    return show((await requireWebhook(service, tenantId, request.params.id)).subscription);
  });

  app.put('/:id', { config: { platformAccess: WRITE }, schema: { tags, summary: 'Update a webhook', params: IdParams, body: WebhookBody, response: { 200: WebhookAnswer } } }, async (request) => {
    const { tenantId } = await timebackAccess.caller(service, request);
    return show(await replaceWebhook(service, tenantId, request.params.id, request.body));
  });

  for (const [action, active] of [['activate', true], ['deactivate', false]] as const) {
    app.put(`/:id/${action}`, { config: { platformAccess: WRITE }, schema: { tags, summary: `${action === 'activate' ? 'Activate' : 'Deactivate'} a webhook`, params: IdParams, response: { 200: WebhookAnswer } } }, async (request) => {
      const { tenantId } = await timebackAccess.caller(service, request);
      return show(await setWebhookActive(service, tenantId, request.params.id, active));
    });
  }

  app.delete('/:id', { config: { platformAccess: WRITE }, schema: { tags, summary: 'Delete a webhook (soft delete)', params: IdParams, response: { 200: StatusAnswer } } }, async (request) => {
    const { tenantId } = await timebackAccess.caller(service, request);
    await softDeleteWebhook(service, tenantId, request.params.id);
    return SUCCESS;
  });
};
