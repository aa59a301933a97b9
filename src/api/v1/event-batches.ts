import { publishEvents } from '../../service/publish.js';
import { requireTenant } from '../../service/tenants.js';
import { principalOf } from '../auth.js';
import { PublishBatchBody, PublishBatchResult, TenantParams } from '../schemas.js';
import { callerOf, errorResponses, type RoutePlugin } from './context.js';

// A batch carries up to 1,000 events, so it may be larger than a single publish's body limit
// (1,000 events of 1 KiB are about 1.1 MB); the JSON depth limit still applies to it.
const BATCH_BODY_LIMIT_BYTES = 8 * 1024 * 1024;

/** Batch publish: many events, one transaction, one answer per event. */
export const eventBatchRoutes: RoutePlugin = async (app, { service, schemas }) => {
  app.post(
    '/tenants/:tenant/events/batch',
    {
      config: { scope: 'events:write', audit: false },
      bodyLimit: BATCH_BODY_LIMIT_BYTES,
      schema: {
        tags: ['events'],
        summary: 'Publish up to 1,000 events',
        description:
          'Each event is checked on its own: one whose type is unknown or whose data breaks its schema is `rejected` with its error, the others are written in one transaction before the answer. An `id` published before answers `duplicate` and creates nothing. The answer lists one entry per event, in order. The body may be up to 8 MiB. A body that is not shaped as `{ events: [...] }` of publish bodies is refused whole (422, like any invalid body).',
        params: TenantParams,
        body: PublishBatchBody,
        response: { 200: PublishBatchResult, ...errorResponses },
      },
    },
    async (request) => {
      const { tenant } = request.params;
      if (principalOf(request).tenantId === null) await requireTenant(service, tenant);
      const results = await publishEvents(
        service,
        schemas,
        tenant,
        request.body.events.map((body) => ({
          type: body.type,
          data: body.data,
          id: body.id,
          resourceId: body.resource_id,
          deliverAt: body.deliver_at === undefined ? null : Date.parse(body.deliver_at),
          orderingKey: body.ordering_key ?? null,
        })),
        callerOf(request),
      );
      return {
        data: results.map((result) =>
          result.status === 'rejected'
            ? {
                id: result.id,
                status: result.status,
                error: { code: result.error.code, message: result.error.message, ...(result.error.details ? { details: result.error.details } : {}) },
              }
            : { id: result.id, status: result.status },
        ),
      };
    },
  );
};
