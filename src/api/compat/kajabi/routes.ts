import { Type } from '../../../vendor/typebox.js';
import { HookpostError } from '../../../core/errors.js';
import type { SubscriptionView } from '../../../service/subscriptions.js';
import { holdsPlatformScopes } from '../shared/credentials.js';
import { installPlatformErrors } from '../shared/errors.js';
import { noBody } from '../shared/openapi.js';
import { acceptJsonAs } from '../shared/media-types.js';
import { platformAccess } from '../shared/platform-access.js';
import { numberedPage } from '../shared/paging.js';
import { PlatformSubscriptions } from '../shared/subscriptions.js';
import { tokenEndpoint } from '../../oauth-token.js';
import type { RoutePlugin } from '../../v1/context.js';
import { KAJABI_SCOPES, isKajabiScope, kajabiEvents, scopesFor } from './catalog.js';
import { kajabiError } from './errors.js';
import { KAJABI } from './format.js';
import { CreateHookBody, HookList, HookListQuery, HookParams, HookResource, JSON_API, SampleDocument, VersionDocument, jsonApi, parseResourceId, presentHook, type KajabiData } from './hooks.js';


const tags = ['compat: Kajabi'];
/** The version of Kajabi's public API this door follows (its OpenAPI document's `info.version`). */
export const KAJABI_API_VERSION = '1.0.1';
const HOOKS_PATH = '/v1/hooks';
const READ = { platformAccess: 'read' };
const WRITE = { platformAccess: 'write' };

/**
 * A key holding Kajabi scopes is a Kajabi custom API key: any of them lets it manage hooks, and the
 * event scopes decide which hooks it may create (see requireEventScopes). Any other key needs the
 * native subscriptions scopes, and acts as Kajabi's account-owner key, which holds every event scope.
 */
const access = platformAccess<'read' | 'write'>({
  platformScopes: KAJABI_SCOPES,
  granting: { read: [...KAJABI_SCOPES, 'admin'], write: [...KAJABI_SCOPES, 'admin'] },
  native: { read: 'subscriptions:read', write: 'subscriptions:write' },
});

/** Kajabi's hooks API (JSON:API): create, list, get, delete, and each event's sample payload. */
export const kajabiRoutes: RoutePlugin = async (app, deps) => {
  const { service } = deps;
  installPlatformErrors(app, kajabiError);
  acceptJsonAs(app, JSON_API);
  access.install(app);
  const hooks = new PlatformSubscriptions(service, KAJABI);
  // Kajabi's token endpoint, client credentials grant; Kajabi's scope names are key scopes.
  await app.register(tokenEndpoint({ path: '/v1/oauth/token' }), { service, schemas: deps.schemas });

  app.post(HOOKS_PATH, { config: WRITE, schema: { tags, summary: 'Create hook', body: CreateHookBody, response: { 201: jsonApi(Type.Object({ data: HookResource })) } } }, async (request, reply) => {
    const { tenantId, principal } = await access.caller(service, request);
    const { attributes, relationships } = request.body.data;
    requireEventScopes(principal, attributes.event);
    const resourceId = parseResourceId(attributes.resource_id);
    const data: KajabiData = { site_id: relationships.site.data?.id ?? tenantId, resource_id: resourceId };
    const created = await hooks.create(tenantId, {
      url: attributes.target_url,
      eventTypes: [attributes.event],
      // A hook without resource_id is a wildcard: every event of its type.
      filter: resourceId === null ? null : { resource_id: String(resourceId) },
      platformData: { ...data },
    });
    return reply.status(201).type(JSON_API).send({ data: presentHook(created, tenantId) });
  });

  app.get(HOOKS_PATH, { config: READ, schema: { tags, summary: 'List hooks', querystring: HookListQuery, response: { 200: jsonApi(HookList) } } }, async (request, reply) => {
    const { tenantId } = await access.caller(service, request);
    const query = request.query;
    const event = query['filter[event_eq]'];
    const all = (await hooks.list(tenantId)).filter((hook) => event === undefined || hook.eventTypes.includes(event));
    const page = numberedPage(all, query['page[number]'] ?? 1, query['page[size]'] ?? 25);
    const link = (number: number) =>
      `${request.protocol}://${request.host}/compat/${KAJABI}${HOOKS_PATH}?page[number]=${number}&page[size]=${page.size}` +
      (event === undefined ? '' : `&filter[event_eq]=${encodeURIComponent(event)}`);
    const last = Math.max(page.totalPages, 1);
    return reply.type(JSON_API).send({
      data: page.items.map((hook: SubscriptionView) => presentHook(hook, tenantId)),
      links: {
        self: link(page.page),
        first: link(1),
        prev: page.page > 1 ? link(Math.min(page.page - 1, last)) : null,
        next: page.hasNext ? link(page.page + 1) : null,
        last: link(last),
      },
      meta: { total_pages: page.totalPages, total_count: page.totalItems, current_page: page.page },
    });
  });

  // Static routes win over `/:id` in Fastify's router, so `purchase_sample` is never taken for a hook id.
  for (const event of kajabiEvents) {
    app.get(`${HOOKS_PATH}/${event.name}_sample`, { config: READ, schema: { tags, summary: `Sample ${event.name} payload`, response: { 200: jsonApi(SampleDocument) } } }, async (request, reply) => {
      const { principal } = await access.caller(service, request);
      requireEventScopes(principal, event.name);
      return reply.type(JSON_API).send(event.sample);
    });
  }

  // Kajabi's API description names `GET /v1/version` as the version endpoint; it needs no key.
  app.get('/v1/version', { schema: { tags, summary: 'API version', security: [], response: { 200: jsonApi(VersionDocument) } } }, async (_request, reply) =>
    reply.type(JSON_API).send({ data: { id: KAJABI_API_VERSION, type: 'versions', attributes: { version: KAJABI_API_VERSION } } }),
  );

  app.get(`${HOOKS_PATH}/:id`, { config: READ, schema: { tags, summary: 'Get hook', params: HookParams, response: { 200: jsonApi(Type.Object({ data: HookResource })) } } }, async (request, reply) => {
    const { tenantId } = await access.caller(service, request);
    return reply.type(JSON_API).send({ data: presentHook(await hooks.get(tenantId, request.params.id), tenantId) });
  });

  app.delete(
    `${HOOKS_PATH}/:id`,
    { config: WRITE, schema: { tags, summary: 'Delete hook', params: HookParams, response: { 204: noBody('Deleted.') } } },
    async (request, reply) => {
      const { tenantId } = await access.caller(service, request);
      await hooks.remove(tenantId, request.params.id);
      return reply.status(204).send();
    },
  );
};

/** Kajabi lets a key create (and sample) hooks only for events its scopes cover: otherwise 403. */
function requireEventScopes(principal: Parameters<typeof holdsPlatformScopes>[0], event: string): void {
  const required = [...scopesFor(event)];
  if (!holdsPlatformScopes(principal, required, isKajabiScope)) {
    throw new HookpostError('forbidden', `Missing required scope: ${required.join(', ')}`);
  }
}

