import { cancelScheduledEvent, resendEvent, sendTestEvent } from '../../service/event-operations.js';
import { audit } from '../audit-trail.js';
import { TenantResourceParams } from '../schemas.js';
import { errorResponses, type RoutePlugin } from './context.js';
import { CancelledEvent, ResendBody, Resent, TestEventBody, TestEventSent } from './engine-schemas.js';

/** Resending an event, sending a test event to one subscription, cancelling a scheduled event. */
export const eventOperationRoutes: RoutePlugin = async (app, { service }) => {
  app.post(
    '/tenants/:tenant/events/:id/resend',
    {
      config: { scope: 'deliveries:write' },
      schema: {
        tags: ['events'],
        summary: 'Send an event again',
        description:
          'To every active subscription that matches the event now (including ones created after it), or to `subscription_id` alone (which must list the event type). New deliveries, same event id.',
        params: TenantResourceParams,
        body: ResendBody,
        response: { 202: Resent, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { tenant, id } = request.params;
      const ids = await resendEvent(service, tenant, id, request.body?.subscription_id);
      await audit(request, service, { action: 'event.resent', tenantId: tenant, targetType: 'event', targetId: id, details: { deliveries: ids.length } });
      return reply.status(202).send({ event_id: id, delivery_ids: ids });
    },
  );

  app.post(
    '/tenants/:tenant/events/:id/cancel',
    {
      config: { scope: 'events:write' },
      schema: {
        tags: ['events'],
        summary: 'Cancel a scheduled event',
        description: 'While its `deliver_at` is in the future: its deliveries become `cancelled`. Once due: 409.',
        params: TenantResourceParams,
        response: { 200: CancelledEvent, ...errorResponses },
      },
    },
    async (request) => {
      const { tenant, id } = request.params;
      const { cancelled } = await cancelScheduledEvent(service, tenant, id);
      await audit(request, service, { action: 'event.cancelled', tenantId: tenant, targetType: 'event', targetId: id, details: { cancelled } });
      return { id, cancelled };
    },
  );

  app.post(
    '/tenants/:tenant/subscriptions/:id/test',
    {
      config: { scope: 'events:write' },
      schema: {
        tags: ['subscriptions'],
        summary: 'Send a test event to one subscription',
        description: "Publishes the event type's example as a new event delivered to this subscription only.",
        params: TenantResourceParams,
        body: TestEventBody,
        response: { 202: TestEventSent, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { tenant, id } = request.params;
      const event = await sendTestEvent(service, tenant, id, request.body.event_type);
      await audit(request, service, { action: 'subscription.tested', tenantId: tenant, targetType: 'subscription', targetId: id, details: { event_id: event.id, type: event.type } });
      return reply.status(202).send({ id: event.id, type: event.type });
    },
  );
};
