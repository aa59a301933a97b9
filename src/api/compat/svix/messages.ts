import { HookpostError } from '../../../core/errors.js';
import { ListResponse, MessageOut } from './answers.js';
import { newId } from '../../../core/ids.js';
import { createApplication, findApplication } from '../../../service/applications.js';
import { publishEvent } from '../../../service/publish.js';
import { callerOf, READS_EVENTS } from '../shared/credentials.js';
import type { RoutePlugin } from '../../v1/context.js';
import { applicationOf, messageOf, pageOf } from './lookup.js';
import { qualifyType } from './names.js';
import { listOut, presentMessage } from './presenters.js';
import { AppParams, ContentQuery, MessageIn, MessageListQuery, MessageParams } from './schemas.js';

const WRITES_EVENTS = { scope: 'events:write' } as const;

/** `/api/v1/app/{app}/msg`: messages, published to one application's endpoints. */
export const messageRoutes: RoutePlugin = async (app, { service, schemas }) => {
  app.post(
    '/api/v1/app/:app/msg',
    { config: WRITES_EVENTS, schema: { params: AppParams, body: MessageIn, querystring: ContentQuery, response: { 202: MessageOut } } },
    async (request, reply) => {
      const { tenantId } = await callerOf(service, request);
      const body = request.body;
      // `application` creates the application along with its first message, with the path as its uid.
      let application = await findApplication(service, tenantId, request.params.app);
      if (!application && body.application && !request.params.app.startsWith('app_')) {
        application = await createApplication(service, tenantId, {
          name: body.application.name,
          uid: body.application.uid ?? request.params.app,
          metadata: body.application.metadata,
          throttleRate: body.application.throttleRate ?? body.application.rateLimit ?? null,
        });
      }
      if (!application) throw new HookpostError('not_found', `No application ${request.params.app}.`);
      const result = await publishEvent(service, schemas, tenantId, {
        id: newId('message'),
        type: qualifyType(body.eventType),
        data: body.payload,
        applicationId: application.id,
        uid: body.eventId ?? null,
        channels: body.channels ?? null,
        tags: body.tags ?? null,
        deliverAt: body.deliverAt ? Date.parse(body.deliverAt) : null,
        // Svix accepts messages of types it was never told about; endpoints filter by name.
        allowUndefinedType: true,
      });
      return reply.status(202).send(presentMessage(result.event, request.query.with_content ?? true));
    },
  );

  app.get('/api/v1/app/:app/msg', { config: READS_EVENTS, schema: { params: AppParams, querystring: MessageListQuery, response: { 200: ListResponse(MessageOut) } } }, async (request) => {
    const { tenantId } = await callerOf(service, request);
    const application = await applicationOf(service, tenantId, request.params.app);
    const query = request.query;
    const page = await service.store.listApplicationEvents(
      tenantId,
      application.id,
      {
        channel: query.channel,
        tag: query.tag,
        before: query.before === undefined ? undefined : Date.parse(query.before),
        after: query.after === undefined ? undefined : Date.parse(query.after),
        eventTypes: query.event_types?.split(',').filter(Boolean).map(qualifyType),
      },
      pageOf(query),
    );
    return listOut(
      page.items.map((event) => presentMessage(event, query.with_content ?? true)),
      page.nextCursor,
    );
  });

  app.get('/api/v1/app/:app/msg/:msg', { config: READS_EVENTS, schema: { params: MessageParams, querystring: ContentQuery, response: { 200: MessageOut } } }, async (request) => {
    const { tenantId } = await callerOf(service, request);
    const application = await applicationOf(service, tenantId, request.params.app);
    return presentMessage(await messageOf(service, application, request.params.msg), request.query.with_content ?? true);
  });
};
