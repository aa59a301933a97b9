import { listDeliveries, requireDelivery, retryDelivery } from '../../service/deliveries.js';
import { pageRequest, presentDelivery, presentPage } from '../presenters.js';
import { Delivery, DeliveryListQuery, DeliveryPage, TenantParams, TenantResourceParams } from '../schemas.js';
import { errorResponses, type RoutePlugin } from './context.js';

const tags = ['deliveries'];

/** Delivery logs with their attempts, and manual retries. */
export const deliveryRoutes: RoutePlugin = async (app, { service }) => {
  app.get(
    '/tenants/:tenant/deliveries',
    { config: { scope: 'deliveries:read' },
      schema: {
        tags,
        summary: 'List deliveries with their attempts, newest first',
        params: TenantParams,
        querystring: DeliveryListQuery,
        response: { 200: DeliveryPage, ...errorResponses },
      },
    },
    async (request) => {
      const { event_id, subscription_id, status } = request.query;
      const page = await listDeliveries(
        service,
        request.params.tenant,
        { eventId: event_id, subscriptionId: subscription_id, status },
        pageRequest(request.query),
      );
      return presentPage(page, presentDelivery);
    },
  );

  app.get(
    '/tenants/:tenant/deliveries/:id',
    { config: { scope: 'deliveries:read' }, schema: { tags, summary: 'Get a delivery with its attempts', params: TenantResourceParams, response: { 200: Delivery, ...errorResponses } } },
    async (request) => {
      return presentDelivery(await requireDelivery(service, request.params.tenant, request.params.id));
    },
  );

  app.post(
    '/tenants/:tenant/deliveries/:id/retry',
    { config: { scope: 'deliveries:write' },
      schema: {
        tags,
        summary: 'Send a delivery again now',
        description: 'Works in any state except while the delivery is being sent (409). A delivery whose retries ran out gets one more attempt.',
        params: TenantResourceParams,
        response: { 202: Delivery, ...errorResponses },
      },
    },
    async (request, reply) => {
      return reply.status(202).send(presentDelivery(await retryDelivery(service, request.params.tenant, request.params.id)));
    },
  );
};
