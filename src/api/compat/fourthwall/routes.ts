import { randomUUID } from 'node:crypto';
import { HookpostError } from '../../../core/errors.js';
import type { RoutePlugin } from '../../v1/context.js';
import { installPlatformErrors } from '../shared/errors.js';
import { noBody } from '../shared/openapi.js';
import { platformAccess } from '../shared/platform-access.js';
import { PlatformSubscriptions } from '../shared/subscriptions.js';
import { FOURTHWALL } from './envelope.js';
import { fourthwallError } from './errors.js';
import { keyOfShopSecret } from './secrets.js';
import { CreateWebhookBody, PageQuery, UpdateWebhookBody, WebhookConfiguration, WebhookConfigurationPage, WebhookParams, presentWebhook } from './webhooks.js';

const tags = ['compat: Fourthwall'];
const PATH = '/open-api/v1.0/webhooks';
const READ = 'read' as const;
const WRITE = 'write' as const;

/** Fourthwall's OAuth scopes for webhooks; a key holding them is judged by them, API keys have full access. */
export const FOURTHWALL_SCOPES = ['webhook_read', 'webhook_write'] as const;

const access = platformAccess<'read' | 'write'>({
  platformScopes: FOURTHWALL_SCOPES,
  granting: { read: ['webhook_read', 'webhook_write', 'admin'], write: ['webhook_write', 'admin'] },
  native: { read: 'subscriptions:read', write: 'subscriptions:write' },
});

/** Fourthwall's webhook configurations under `/open-api/v1.0/webhooks`: create, list, get, update, delete. */
export const fourthwallRoutes: RoutePlugin = async (app, { service }) => {
  installPlatformErrors(app, fourthwallError);
  access.install(app);
  const webhooks = new PlatformSubscriptions(service, FOURTHWALL);
  const withSecret = async (tenantId: string, id: string) =>
    presentWebhook(await webhooks.get(tenantId, id, { withSecret: true, notFound: () => notFound(tenantId, id) }));

  app.post(PATH, { config: { platformAccess: WRITE }, schema: { tags, summary: 'Create a webhook', body: CreateWebhookBody, response: { 200: WebhookConfiguration } } }, async (request) => {
    const { tenantId } = await access.caller(service, request);
    // One secret per shop: a new one for the shop's first webhook, its first webhook's otherwise (atomically).
    const created = await webhooks.create(
      tenantId,
      { url: request.body.url, eventTypes: request.body.allowedTypes, secret: keyOfShopSecret(randomUUID()) },
      { shareSecret: true },
    );
    // Fourthwall answers a create with 200, not 201.
    return presentWebhook(created);
  });

  app.get(PATH, { config: { platformAccess: READ }, schema: { tags, summary: 'Get webhooks', querystring: PageQuery, response: { 200: WebhookConfigurationPage } } }, async (request) => {
    const { tenantId } = await access.caller(service, request);
    const page = request.query.page ?? 0;
    const size = request.query.size ?? 20;
    const all = await webhooks.list(tenantId);
    const results = await Promise.all(all.slice(page * size, (page + 1) * size).map((webhook) => withSecret(tenantId, webhook.id)));
    return { results, page, size, total: all.length, totalPages: Math.ceil(all.length / size) };
  });

  app.get(`${PATH}/:webhookConfigurationId`, { config: { platformAccess: READ }, schema: { tags, summary: 'Get a webhook', params: WebhookParams, response: { 200: WebhookConfiguration } } }, async (request) => {
    const { tenantId } = await access.caller(service, request);
    return withSecret(tenantId, request.params.webhookConfigurationId);
  });

  app.put(
    `${PATH}/:webhookConfigurationId`,
    { config: { platformAccess: WRITE }, schema: { tags, summary: 'Update a webhook', params: WebhookParams, body: UpdateWebhookBody, response: { 200: WebhookConfiguration } } },
    async (request) => {
      const { tenantId } = await access.caller(service, request);
      const id = request.params.webhookConfigurationId;
      await withSecret(tenantId, id);
      await webhooks.update(tenantId, id, { url: request.body.url, eventTypes: request.body.allowedTypes });
      return withSecret(tenantId, id);
    },
  );

  app.delete(`${PATH}/:webhookConfigurationId`, { config: { platformAccess: WRITE }, schema: { tags, summary: 'Delete a webhook', params: WebhookParams, response: { 200: noBody('Deleted; no body.') } } }, async (request, reply) => {
    const { tenantId } = await access.caller(service, request);
    const id = request.params.webhookConfigurationId;
    await withSecret(tenantId, id);
    await webhooks.remove(tenantId, id);
    return reply.status(200).send();
  });
};

function notFound(shopId: string, webhookConfigurationId: string): HookpostError {
  return new HookpostError('not_found', `No webhook configuration ${webhookConfigurationId}.`, { webhookConfigurationId, shopId });
}
