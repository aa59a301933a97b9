import { Type } from '../../vendor/typebox.js';
import { HookpostError } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import { TENANT_KEY_SCOPES, createApiKey, listApiKeys, revokeApiKey } from '../../service/api-keys.js';
import { requireTenant } from '../../service/tenants.js';
import { audit } from '../audit-trail.js';
import { principalOf, type Principal } from '../auth.js';
import { pageRequest, presentApiKey, presentApiKeyInfo, presentPage } from '../presenters.js';
import { ApiKey, ApiKeyPage, ApiKeyParams, CreateApiKeyBody, PageQuery, TenantParams, TenantResourceParams } from '../schemas.js';
import { errorResponses, type RoutePlugin } from './context.js';

const tags = ['api-keys'];
const Revoked = Type.Null({ description: 'Revoked: the token and every access token issued to it are refused from now on.' });

/** API keys: a tenant's (managed by the admin, or by a tenant key with api-keys scopes) and the admin keys. */
export const apiKeyRoutes: RoutePlugin = async (app, { service }) => {
  app.post(
    '/tenants/:tenant/api-keys',
    {
      config: { scope: 'api-keys:write' },
      schema: {
        tags,
        summary: 'Create an API key for a tenant',
        description:
          'The `key` in the answer is the bearer token; it is shown this once. It is also an OAuth client: `client_id` is the key `id`, `client_secret` the `key`. A tenant credential may only grant scopes it holds.',
        params: TenantParams,
        body: CreateApiKeyBody,
        response: { 201: ApiKey, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { tenant } = request.params;
      const principal = principalOf(request);
      await requireTenant(service, tenant);
      const scopes = request.body.scopes ?? TENANT_KEY_SCOPES;
      refuseEscalation(principal, scopes);
      const { key, token } = await createApiKey(service, { tenantId: tenant, scopes, name: request.body.name });
      await audit(request, service, { action: 'api_key.created', tenantId: tenant, targetType: 'api_key', targetId: key.id, details: { scopes: key.scopes, name: key.name } });
      return reply.status(201).send(presentApiKey(key, token));
    },
  );

  app.get(
    '/tenants/:tenant/api-keys',
    {
      config: { scope: 'api-keys:read' },
      schema: { tags, summary: "List a tenant's API keys (never their tokens)", params: TenantParams, querystring: PageQuery, response: { 200: ApiKeyPage, ...errorResponses } },
    },
    async (request) => {
      const { tenant } = request.params;
      const principal = principalOf(request);
      if (principal.tenantId === null) await requireTenant(service, tenant);
      return presentPage(await listApiKeys(service, tenant, pageRequest(request.query)), presentApiKeyInfo);
    },
  );

  app.delete(
    '/tenants/:tenant/api-keys/:id',
    { config: { scope: 'api-keys:write' }, schema: { tags, summary: "Revoke a tenant's API key", params: TenantResourceParams, response: { 204: Revoked, ...errorResponses } } },
    async (request, reply) => {
      const { tenant, id } = request.params;
      const { revoked } = await revokeApiKey(service, id, tenant);
      if (revoked) await audit(request, service, { action: 'api_key.revoked', tenantId: tenant, targetType: 'api_key', targetId: id });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api-keys',
    {
      config: { scope: 'admin', instanceWide: true },
      schema: {
        tags,
        summary: 'Create an admin key (bound to no tenant)',
        description: 'Admin only. Without `scopes` the key holds `admin`, which implies every scope on every tenant.',
        body: CreateApiKeyBody,
        response: { 201: ApiKey, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { key, token } = await createApiKey(service, { tenantId: null, scopes: request.body.scopes, name: request.body.name });
      await audit(request, service, { action: 'api_key.created', tenantId: null, targetType: 'api_key', targetId: key.id, details: { scopes: key.scopes, name: key.name } });
      return reply.status(201).send(presentApiKey(key, token));
    },
  );

  app.get(
    '/api-keys',
    { config: { scope: 'admin', instanceWide: true }, schema: { tags, summary: 'List the admin keys', querystring: PageQuery, response: { 200: ApiKeyPage, ...errorResponses } } },
    async (request) => {
      return presentPage(await listApiKeys(service, null, pageRequest(request.query)), presentApiKeyInfo);
    },
  );

  app.delete(
    '/api-keys/:id',
    { config: { scope: 'admin', instanceWide: true }, schema: { tags, summary: 'Revoke any API key, admin or tenant', params: ApiKeyParams, response: { 204: Revoked, ...errorResponses } } },
    async (request, reply) => {
      const { key, revoked } = await revokeApiKey(service, request.params.id, undefined);
      if (revoked) await audit(request, service, { action: 'api_key.revoked', tenantId: key.tenantId, targetType: 'api_key', targetId: key.id });
      return reply.status(204).send(null);
    },
  );
};

// A tenant credential with api-keys:write could otherwise mint itself a key with more power.
function refuseEscalation(principal: Principal, scopes: readonly Scope[]): void {
  if (principal.tenantId === null) return;
  const missing = scopes.filter((scope) => !principal.scopes.includes(scope));
  if (missing.length > 0) throw new HookpostError('forbidden', `A credential grants only scopes it holds; it lacks ${missing.join(', ')}.`);
}
