import { TENANT_KEY_SCOPES, createApiKey } from '../../service/api-keys.js';
import { HookpostError } from '../../core/errors.js';
import { SCOPES } from '../../core/model.js';
import { createTenant, listTenants, requireTenant } from '../../service/tenants.js';
import { pageRequest, presentApiKey, presentPage, presentTenant } from '../presenters.js';
import { ApiKey, CreateApiKeyBody, CreateTenantBody, PageQuery, Tenant, TenantPage, TenantParams } from '../schemas.js';
import { errorResponses, type RoutePlugin } from './context.js';

/** Tenants and their API keys (admin), and a tenant reading itself. */
export const tenantRoutes: RoutePlugin = async (app, { service, platformScopes = [] }) => {
  app.post(
    '/tenants',
    { config: { scope: 'admin' }, schema: { tags: ['tenants'], summary: 'Create a tenant', body: CreateTenantBody, response: { 201: Tenant, ...errorResponses } } },
    async (request, reply) => {
      return reply.status(201).send(presentTenant(await createTenant(service, request.body)));
    },
  );

  app.get(
    '/tenants',
    { config: { scope: 'admin' }, schema: { tags: ['tenants'], summary: 'List tenants', querystring: PageQuery, response: { 200: TenantPage, ...errorResponses } } },
    async (request) => {
      return presentPage(await listTenants(service, pageRequest(request.query)), presentTenant);
    },
  );

  app.get(
    '/tenants/:tenant',
    { config: { scope: 'subscriptions:read' }, schema: { tags: ['tenants'], summary: 'Get a tenant', params: TenantParams, response: { 200: Tenant, ...errorResponses } } },
    async (request) => {
      return presentTenant(await requireTenant(service, request.params.tenant));
    },
  );

  app.post(
    '/tenants/:tenant/api-keys',
    { config: { scope: 'admin' },
      schema: {
        tags: ['tenants'],
        summary: 'Create an API key for a tenant',
        description: 'The `key` in the answer is the bearer token; it is shown this once.',
        params: TenantParams,
        body: CreateApiKeyBody,
        response: { 201: ApiKey, ...errorResponses },
      },
    },
    async (request, reply) => {
      await requireTenant(service, request.params.tenant);
      const scopes = request.body.scopes;
      const tenantScopes: readonly string[] = [...TENANT_KEY_SCOPES, ...platformScopes];
      const unknown = (scopes ?? []).filter((scope) => !tenantScopes.includes(scope) && !(SCOPES as readonly string[]).includes(scope));
      const notForTenants = (scopes ?? []).filter((scope) => !tenantScopes.includes(scope));
      if (unknown.length > 0 || notForTenants.length > 0) {
        throw new HookpostError('validation_failed', 'A tenant key holds only tenant scopes.', [
          { pointer: '/scopes', message: `allowed: ${tenantScopes.join(', ')}` },
        ]);
      }
      const { key, token } = await createApiKey(service, { tenantId: request.params.tenant, scopes, name: request.body.name });
      return reply.status(201).send(presentApiKey(key, token));
    },
  );
};
