import { EventTypeOut, ListResponse } from './answers.js';
import { noBody } from '../shared/openapi.js';
import {
  createTenantEventType,
  listTenantEventTypes,
  removeTenantEventType,
  requireTenantEventType,
  updateTenantEventType,
  type TenantEventTypeInput,
} from '../../../service/tenant-event-types.js';
import { callerOf } from '../shared/credentials.js';
import type { RoutePlugin } from '../../v1/context.js';
import { pageOf } from './lookup.js';
import { qualifyType } from './names.js';
import { listOut, presentEventType } from './presenters.js';
import { EventTypeDeleteQuery, EventTypeIn, EventTypeListQuery, EventTypeParams, EventTypePatch, EventTypeUpdate } from './schemas.js';

// A tenant's own event types: reading them is reading the catalog; defining them belongs to
// whoever publishes (tenant keys cannot hold the instance-wide event-types:write).
const READS_TYPES = { scope: 'event-types:read' } as const;
const WRITES_TYPES = { scope: 'events:write' } as const;

/** `/api/v1/event-type`: the tenant's event types, archived rather than deleted. */
export const eventTypeRoutes: RoutePlugin = async (app, { service }) => {
  app.get('/api/v1/event-type', { config: READS_TYPES, schema: { querystring: EventTypeListQuery, response: { 200: ListResponse(EventTypeOut) } } }, async (request) => {
    const { tenantId } = await callerOf(service, request);
    const query = request.query;
    const page = await listTenantEventTypes(service, tenantId, query.include_archived ?? false, pageOf(query));
    return listOut(
      page.items.map((type) => presentEventType(type, query.with_content ?? true)),
      page.nextCursor,
    );
  });

  app.post('/api/v1/event-type', { config: WRITES_TYPES, schema: { body: EventTypeIn, response: { 201: EventTypeOut } } }, async (request, reply) => {
    const { tenantId } = await callerOf(service, request);
    const { name, ...fields } = request.body;
    return reply.status(201).send(presentEventType(await createTenantEventType(service, tenantId, qualifyType(name), inputOf(fields))));
  });

  app.get('/api/v1/event-type/:name', { config: READS_TYPES, schema: { params: EventTypeParams, response: { 200: EventTypeOut } } }, async (request) => {
    const { tenantId } = await callerOf(service, request);
    return presentEventType(await requireTenantEventType(service, tenantId, qualifyType(request.params.name)));
  });

  // 1.x calls this update, 2.x upsert: both create a missing type (201), as Svix's server does.
  app.put('/api/v1/event-type/:name', { config: WRITES_TYPES, schema: { params: EventTypeParams, body: EventTypeUpdate, response: { 200: EventTypeOut, 201: EventTypeOut } } }, async (request, reply) => {
    const { tenantId } = await callerOf(service, request);
    const body = request.body;
    const { eventType, created } = await updateTenantEventType(
      service,
      tenantId,
      qualifyType(request.params.name),
      { ...inputOf(body), archived: body.archived ?? false, deprecated: body.deprecated ?? false, schemas: body.schemas ?? null },
      { create: true },
    );
    return reply.status(created ? 201 : 200).send(presentEventType(eventType));
  });

  app.patch('/api/v1/event-type/:name', { config: WRITES_TYPES, schema: { params: EventTypeParams, body: EventTypePatch, response: { 200: EventTypeOut } } }, async (request) => {
    const { tenantId } = await callerOf(service, request);
    const { eventType } = await updateTenantEventType(service, tenantId, qualifyType(request.params.name), inputOf(request.body), { create: false });
    return presentEventType(eventType);
  });

  app.delete(
    '/api/v1/event-type/:name',
    { config: WRITES_TYPES, schema: { params: EventTypeParams, querystring: EventTypeDeleteQuery, response: { 204: noBody('Archived, or with expunge deleted.') } } },
    async (request, reply) => {
      const { tenantId } = await callerOf(service, request);
      await removeTenantEventType(service, tenantId, qualifyType(request.params.name), request.query.expunge ?? false);
      return reply.status(204).send();
    },
  );
};

function inputOf(body: Partial<EventTypeUpdate>): TenantEventTypeInput {
  const flags = body.featureFlags !== undefined ? body.featureFlags : body.featureFlag === undefined ? undefined : body.featureFlag === null ? null : [body.featureFlag];
  return {
    description: body.description,
    schemas: body.schemas,
    archived: body.archived,
    deprecated: body.deprecated,
    featureFlags: flags,
    groupName: body.groupName,
  };
}
