import { requireEvent } from '../../service/deliveries.js';
import { publishEvent } from '../../service/publish.js';
import { requireTenant } from '../../service/tenants.js';
import { principalOf } from '../auth.js';
import { pageRequest, presentEvent, presentPage } from '../presenters.js';
import { Event, EventPage, PageQuery, PublishEventBody, PublishedEvent, TenantParams, TenantResourceParams } from '../schemas.js';
import { callerOf, errorResponses, type RoutePlugin } from './context.js';

const tags = ['events'];

/** Publishing events and reading them back. */
export const eventRoutes: RoutePlugin = async (app, { service, schemas }) => {
  app.post(
    '/tenants/:tenant/events',
    {
      // Events are data, not configuration: the deliveries log is their record.
      config: { scope: 'events:write', audit: false },
      schema: {
        tags,
        summary: 'Publish an event',
        description:
          'The event is validated against its type\'s JSON Schema and stored with one delivery per matching subscription before the 202 is sent. Publishing the same `id` again answers the same and creates nothing.',
        params: TenantParams,
        body: PublishEventBody,
        response: { 202: PublishedEvent, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { tenant } = request.params;
      const principal = principalOf(request);
      if (principal.tenantId === null) await requireTenant(service, tenant);
      const body = request.body;
      const { event } = await publishEvent(service, schemas, tenant, {
        type: body.type,
        data: body.data,
        id: body.id,
        resourceId: body.resource_id,
        deliverAt: body.deliver_at === undefined ? null : Date.parse(body.deliver_at),
        orderingKey: body.ordering_key ?? null,
      }, callerOf(request));
      return reply.status(202).send({ id: event.id, type: event.type, created_at: new Date(event.createdAt).toISOString() });
    },
  );

  app.get(
    '/tenants/:tenant/events',
    { config: { scope: 'events:read' }, schema: { tags, summary: 'List events, newest first', params: TenantParams, querystring: PageQuery, response: { 200: EventPage, ...errorResponses } } },
    async (request) => {
      return presentPage(await service.store.listEvents(request.params.tenant, pageRequest(request.query)), presentEvent);
    },
  );

  app.get(
    '/tenants/:tenant/events/:id',
    { config: { scope: 'events:read' }, schema: { tags, summary: 'Get an event', params: TenantResourceParams, response: { 200: Event, ...errorResponses } } },
    async (request) => {
      return presentEvent(await requireEvent(service, request.params.tenant, request.params.id));
    },
  );
};
