import { Type } from '../../vendor/typebox.js';
import { MAX_STREAM_WAIT_SECONDS, readSubscriptionStream } from '../../service/subscription-stream.js';
import { presentEvent } from '../presenters.js';
import { Event, TenantResourceParams } from '../schemas.js';
import { errorResponses, type RoutePlugin } from './context.js';

const StreamQuery = Type.Object(
  {
    after: Type.Optional(Type.String({ maxLength: 600, description: 'The `cursor` of the previous answer; absent: from the first event.' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 250, default: 50 })),
    wait: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_STREAM_WAIT_SECONDS,
        default: 0,
        description: 'Seconds to wait for an event when there is none after the cursor yet (long polling); the answer comes as soon as one arrives.',
      }),
    ),
  },
  { additionalProperties: false },
);
const StreamPage = Type.Object({
  data: Type.Array(Event),
  cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `after` to read on; the same as `after` when nothing new came.' }),
});

/** Reading a subscription's events instead of receiving them (polling, with long-polling). */
export const subscriptionStreamRoutes: RoutePlugin = async (app, { service }) => {
  app.get(
    '/tenants/:tenant/subscriptions/:id/events',
    {
      config: { scope: 'events:read' },
      schema: {
        tags: ['subscriptions'],
        summary: "Read a subscription's events (polling)",
        description:
          "The events that reach this subscription, in publish order, after the cursor `after`: for a consumer that cannot receive webhooks. With `wait`, an empty read waits up to that many seconds and answers as soon as an event arrives. The subscription's webhooks are sent as usual.",
        params: TenantResourceParams,
        querystring: StreamQuery,
        response: { 200: StreamPage, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { tenant, id } = request.params;
      const query = request.query;
      // The consumer hanging up (the response closes before it is sent) ends a long poll early.
      const abandoned = new AbortController();
      reply.raw.once('close', () => abandoned.abort());
      const page = await readSubscriptionStream(service, tenant, id, {
        after: query.after ?? null,
        limit: query.limit ?? 50,
        waitMs: (query.wait ?? 0) * 1000,
        signal: abandoned.signal,
      });
      return { data: page.events.map(presentEvent), cursor: page.cursor };
    },
  );
};
