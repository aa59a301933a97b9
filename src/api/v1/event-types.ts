import { defineEventType, listEventTypes, requireEventType } from '../../service/event-types.js';
import { pageRequest, presentEventType, presentPage } from '../presenters.js';
import { CreateEventTypeBody, EventType, EventTypePage, EventTypeParams, PageQuery, UpdateEventTypeBody } from '../schemas.js';
import { errorResponses, type RoutePlugin } from './context.js';

/** The shared event-type catalog: the admin defines it, every credential reads it. */
export const eventTypeRoutes: RoutePlugin = async (app, { service, schemas }) => {
  app.post(
    '/event-types',
    { config: { scope: 'admin' },
      schema: {
        tags: ['event-types'],
        summary: 'Register an event type',
        body: CreateEventTypeBody,
        response: { 201: EventType, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { eventType } = await defineEventType(service, schemas, request.body, { replace: false });
      return reply.status(201).send(presentEventType(eventType));
    },
  );

  app.patch(
    '/event-types/:name',
    { config: { scope: 'admin' },
      schema: {
        tags: ['event-types'],
        summary: 'Change an event type',
        params: EventTypeParams,
        body: UpdateEventTypeBody,
        response: { 200: EventType, ...errorResponses },
      },
    },
    async (request) => {
      await requireEventType(service, request.params.name);
      const { eventType } = await defineEventType(service, schemas, { name: request.params.name, ...request.body }, { replace: true });
      return presentEventType(eventType);
    },
  );

  app.get(
    '/event-types',
    { config: { scope: 'subscriptions:read' }, schema: { tags: ['event-types'], summary: 'List event types', querystring: PageQuery, response: { 200: EventTypePage, ...errorResponses } } },
    async (request) => {
      return presentPage(await listEventTypes(service, pageRequest(request.query)), presentEventType);
    },
  );

  app.get(
    '/event-types/:name',
    { config: { scope: 'subscriptions:read' }, schema: { tags: ['event-types'], summary: 'Get an event type', params: EventTypeParams, response: { 200: EventType, ...errorResponses } } },
    async (request) => {
      return presentEventType(await requireEventType(service, request.params.name));
    },
  );
};
