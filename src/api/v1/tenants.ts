import { Type } from '../../vendor/typebox.js';
import { createTenant, deleteTenant, listTenants, requireTenant } from '../../service/tenants.js';
import { audit } from '../audit-trail.js';
import { pageRequest, presentPage, presentTenant } from '../presenters.js';
import { CreateTenantBody, PageQuery, Tenant, TenantPage, TenantParams } from '../schemas.js';
import { errorResponses, type RoutePlugin } from './context.js';
import { TenantUsage } from './engine-schemas.js';
import { tenantUsage } from '../../service/retention.js';

/** Tenants (admin), and a tenant reading itself and its usage. */
export const tenantRoutes: RoutePlugin = async (app, { service }) => {
  app.post(
    '/tenants',
    { config: { scope: 'tenants:write', instanceWide: true }, schema: { tags: ['tenants'], summary: 'Create a tenant', body: CreateTenantBody, response: { 201: Tenant, ...errorResponses } } },
    async (request, reply) => {
      const tenant = await createTenant(service, request.body);
      await audit(request, service, { action: 'tenant.created', tenantId: tenant.id, targetType: 'tenant', targetId: tenant.id, details: { name: tenant.name } });
      return reply.status(201).send(presentTenant(tenant));
    },
  );

  app.get(
    '/tenants',
    { config: { scope: 'tenants:read', instanceWide: true }, schema: { tags: ['tenants'], summary: 'List tenants', querystring: PageQuery, response: { 200: TenantPage, ...errorResponses } } },
    async (request) => {
      return presentPage(await listTenants(service, pageRequest(request.query)), presentTenant);
    },
  );

  app.get(
    '/tenants/:tenant',
    { config: { scope: 'tenants:read' }, schema: { tags: ['tenants'], summary: 'Get a tenant', params: TenantParams, response: { 200: Tenant, ...errorResponses } } },
    async (request) => {
      return presentTenant(await requireTenant(service, request.params.tenant));
    },
  );

  app.get(
    '/tenants/:tenant/usage',
    {
      config: { scope: 'tenants:read' },
      schema: {
        tags: ['tenants'],
        summary: 'What the tenant keeps',
        description: 'Counts of its events, deliveries by status, attempts and subscriptions. Retention (HOOKPOST_RETENTION) deletes what is older.',
        params: TenantParams,
        response: { 200: TenantUsage, ...errorResponses },
      },
    },
    async (request) => tenantUsage(service, request.params.tenant),
  );

  app.delete(
    '/tenants/:tenant',
    {
      config: { scope: 'tenants:write', instanceWide: true },
      schema: {
        tags: ['tenants'],
        summary: 'Delete a tenant',
        description:
          'Revokes every API key of the tenant, deletes its subscriptions (their pending deliveries are never sent) and hides the tenant, at once. Its events, deliveries and audit entries stay readable by an admin; its id is not reused.',
        params: TenantParams,
        response: { 204: Type.Null({ description: 'Deleted.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await deleteTenant(service, request.params.tenant);
      await audit(request, service, { action: 'tenant.deleted', tenantId: request.params.tenant, targetType: 'tenant', targetId: request.params.tenant });
      return reply.status(204).send(null);
    },
  );
};
