import { HookpostError } from '../../../core/errors.js';
import type { Application } from '../../../core/model.js';
import type { ServiceDeps } from '../../../service/deps.js';
import { ApplicationOut, ListResponse } from './answers.js';
import { noBody } from '../shared/openapi.js';
import { createApplication, deleteApplication, findApplication, listApplications, updateApplication } from '../../../service/applications.js';
import { callerOf, READS_WEBHOOKS, WRITES_WEBHOOKS } from '../shared/credentials.js';
import type { RoutePlugin } from '../../v1/context.js';
import { applicationOf, pageOf } from './lookup.js';
import { listOut, presentApplication } from './presenters.js';
import { AppParams, ApplicationIn, ApplicationPatch, CreateApplicationQuery, ListQuery } from './schemas.js';
import { followApplicationRate, rateInForce } from './throttle.js';

/** `/api/v1/app`: applications, each a consumer's group of endpoints inside the tenant. */
export const applicationRoutes: RoutePlugin = async (app, { service }) => {
  app.get('/api/v1/app', { config: READS_WEBHOOKS, schema: { querystring: ListQuery, response: { 200: ListResponse(ApplicationOut) } } }, async (request) => {
    const { tenantId } = await callerOf(service, request);
    const page = await listApplications(service, tenantId, pageOf(request.query), request.query.order === 'descending');
    return listOut(page.items.map(presentApplication), page.nextCursor);
  });

  app.post(
    '/api/v1/app',
    { config: WRITES_WEBHOOKS, schema: { body: ApplicationIn, querystring: CreateApplicationQuery, response: { 200: ApplicationOut, 201: ApplicationOut } } },
    async (request, reply) => {
      const { tenantId } = await callerOf(service, request);
      const body = request.body;
      // getOrCreate: an application holding the uid is answered as it is (200).
      if (request.query.get_if_exists && body.uid) {
        const existing = await findApplication(service, tenantId, body.uid);
        if (existing) return reply.status(200).send(presentApplication(existing));
      }
      // A taken uid is the store's uidTaken conflict: 409, as Svix answers.
      const created = await createApplication(service, tenantId, inputOf(body));
      return reply.status(201).send(presentApplication(created));
    },
  );

  app.get('/api/v1/app/:app', { config: READS_WEBHOOKS, schema: { params: AppParams, response: { 200: ApplicationOut } } }, async (request) => {
    const { tenantId } = await callerOf(service, request);
    return presentApplication(await applicationOf(service, tenantId, request.params.app));
  });

  // 1.x calls this update, 2.x upsert: an unknown uid in the path creates the application with it.
  app.put('/api/v1/app/:app', { config: WRITES_WEBHOOKS, schema: { params: AppParams, body: ApplicationIn, response: { 200: ApplicationOut, 201: ApplicationOut } } }, async (request, reply) => {
    const { tenantId } = await callerOf(service, request);
    const existing = await findApplication(service, tenantId, request.params.app);
    const input = inputOf(request.body);
    if (!existing) {
      if (request.params.app.startsWith('app_')) throw new HookpostError('not_found', `No application ${request.params.app}.`);
      const created = await createApplication(service, tenantId, { ...input, uid: input.uid ?? request.params.app });
      return reply.status(201).send(presentApplication(created));
    }
    const updated = await updateApplication(service, tenantId, existing.id, {
      ...input,
      uid: input.uid ?? null,
      metadata: input.metadata ?? {},
      throttleRate: input.throttleRate ?? null,
    });
    return presentApplication(await withRateFollowed(service, existing, updated));
  });

  app.patch('/api/v1/app/:app', { config: WRITES_WEBHOOKS, schema: { params: AppParams, body: ApplicationPatch, response: { 200: ApplicationOut } } }, async (request) => {
    const { tenantId } = await callerOf(service, request);
    const existing = await applicationOf(service, tenantId, request.params.app);
    const body = request.body;
    const updated = await updateApplication(service, tenantId, existing.id, {
      name: body.name,
      uid: body.uid,
      metadata: body.metadata,
      // null lifts the rate; absent keeps it (2.x's throttleRate first, as for endpoints).
      throttleRate: body.throttleRate !== undefined ? body.throttleRate : body.rateLimit,
    });
    return presentApplication(await withRateFollowed(service, existing, updated));
  });

  app.delete('/api/v1/app/:app', { config: WRITES_WEBHOOKS, schema: { params: AppParams, response: { 204: noBody('Deleted.') } } }, async (request, reply) => {
    const { tenantId } = await callerOf(service, request);
    const existing = await applicationOf(service, tenantId, request.params.app);
    await deleteApplication(service, tenantId, existing.id);
    return reply.status(204).send();
  });
};

/** The updated application, once its endpoints follow its throttleRate if that changed (./throttle.ts). */
async function withRateFollowed(service: ServiceDeps, before: Application, updated: Application): Promise<Application> {
  if (rateInForce(null, updated) !== rateInForce(null, before)) await followApplicationRate(service, updated);
  return updated;
}

function inputOf(body: ApplicationIn) {
  return { name: body.name, uid: body.uid ?? null, metadata: body.metadata, throttleRate: body.throttleRate ?? body.rateLimit ?? null };
}
