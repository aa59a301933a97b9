import { HookpostError } from '../../../core/errors.js';
import { EndpointHeadersOut, EndpointOut, EndpointSecretOut, ListResponse, RecoverOut } from './answers.js';
import { noBody } from '../shared/openapi.js';
import type { Application } from '../../../core/model.js';
import { uidProblems } from '../../../core/uids.js';
import type { ServiceDeps } from '../../../service/deps.js';
import { startRecovery } from '../../../service/recovery.js';
import {
  createSubscription,
  deleteSubscription,
  listSubscriptions,
  readSecret,
  rotateSecret,
  updateSubscription,
  type SubscriptionInput,
  type SubscriptionView,
} from '../../../service/subscriptions.js';
import { callerOf, READS_WEBHOOKS, WRITES_WEBHOOKS } from '../shared/credentials.js';
import type { RoutePlugin } from '../../v1/context.js';
import { applicationOf, endpointOf, findEndpoint, pageOf, SVIX } from './lookup.js';
import { qualifyType } from './names.js';
import { listOut, presentEndpoint, presentRecoverTask, svixPrefix, type SvixEndpointData } from './presenters.js';
import { rateInForce } from './throttle.js';
import {
  EndpointHeadersIn,
  EndpointHeadersPatchIn,
  EndpointIn,
  EndpointParams,
  EndpointPatch,
  AppParams,
  ListQuery,
  RecoverIn,
  SecretRotateIn,
} from './schemas.js';

const WRITES_DELIVERIES = { scope: 'deliveries:write' } as const;
const ENDPOINTS = '/api/v1/app/:app/endpoint';
const ENDPOINT = `${ENDPOINTS}/:endpoint`;

/** `/api/v1/app/{app}/endpoint`: an application's endpoints (Hookpost subscriptions in the Svix format). */
export const endpointRoutes: RoutePlugin = async (app, { service }) => {
  const context = async (request: { params: { app: string } } & Parameters<typeof callerOf>[1]) => {
    const { tenantId } = await callerOf(service, request);
    return { tenantId, application: await applicationOf(service, tenantId, request.params.app) };
  };

  app.get(ENDPOINTS, { config: READS_WEBHOOKS, schema: { params: AppParams, querystring: ListQuery, response: { 200: ListResponse(EndpointOut) } } }, async (request) => {
    const { tenantId, application } = await context(request);
    const page = await listSubscriptions(
      service,
      tenantId,
      { format: SVIX, applicationId: application.id, descending: request.query.order === 'descending' },
      pageOf(request.query),
    );
    return listOut(page.items.map(presentEndpoint), page.nextCursor);
  });

  app.post(ENDPOINTS, { config: WRITES_WEBHOOKS, schema: { params: AppParams, body: EndpointIn, response: { 201: EndpointOut } } }, async (request, reply) => {
    const { application } = await context(request);
    return reply.status(201).send(presentEndpoint(await createEndpoint(service, application, request.body)));
  });

  app.get(ENDPOINT, { config: READS_WEBHOOKS, schema: { params: EndpointParams, response: { 200: EndpointOut } } }, async (request) => {
    const { application } = await context(request);
    return presentEndpoint(await endpointOf(service, application, request.params.endpoint));
  });

  // 1.x calls this update, 2.x upsert: an unknown uid in the path creates the endpoint with it.
  app.put(ENDPOINT, { config: WRITES_WEBHOOKS, schema: { params: EndpointParams, body: EndpointIn, response: { 200: EndpointOut, 201: EndpointOut } } }, async (request, reply) => {
    const { tenantId, application } = await context(request);
    const existing = await findEndpoint(service, application, request.params.endpoint);
    if (!existing) {
      if (request.params.endpoint.startsWith(svixPrefix('endpoint'))) throw new HookpostError('not_found', `No endpoint ${request.params.endpoint}.`);
      const created = await createEndpoint(service, application, { ...request.body, uid: request.body.uid ?? request.params.endpoint });
      return reply.status(201).send(presentEndpoint(created));
    }
    const body = request.body;
    // A PUT replaces the endpoint; the uid it was named by stays unless the body names another.
    const input = endpointInput({ ...body, description: body.description ?? '', uid: body.uid ?? existing.uid ?? null, channels: body.channels ?? null }, application, existing);
    return presentEndpoint(await updateSubscription(service, tenantId, existing.id, { ...input, eventTypes: input.eventTypes ?? ['*'] }));
  });

  app.patch(ENDPOINT, { config: WRITES_WEBHOOKS, schema: { params: EndpointParams, body: EndpointPatch, response: { 200: EndpointOut } } }, async (request) => {
    const { tenantId, application } = await context(request);
    const existing = await endpointOf(service, application, request.params.endpoint);
    return presentEndpoint(await updateSubscription(service, tenantId, existing.id, endpointInput(request.body, application, existing)));
  });

  app.delete(ENDPOINT, { config: WRITES_WEBHOOKS, schema: { params: EndpointParams, response: { 204: noBody('Deleted.') } } }, async (request, reply) => {
    const { tenantId, application } = await context(request);
    const existing = await endpointOf(service, application, request.params.endpoint);
    await deleteSubscription(service, tenantId, existing.id);
    return reply.status(204).send();
  });

  app.get(`${ENDPOINT}/secret`, { config: READS_WEBHOOKS, schema: { params: EndpointParams, response: { 200: EndpointSecretOut } } }, async (request) => {
    const { tenantId, application } = await context(request);
    const existing = await endpointOf(service, application, request.params.endpoint);
    return { key: (await readSecret(service, tenantId, existing.id)).secret };
  });

  app.post(`${ENDPOINT}/secret/rotate`, { config: WRITES_WEBHOOKS, schema: { params: EndpointParams, body: SecretRotateIn, response: { 204: noBody('Rotated.') } } }, async (request, reply) => {
    const { tenantId, application } = await context(request);
    const existing = await endpointOf(service, application, request.params.endpoint);
    // The old secret keeps signing too (a second `v1,` entry) for the grace period, a day unless given.
    await rotateSecret(service, tenantId, existing.id, request.body.key ?? undefined, request.body.gracePeriodSeconds ?? undefined);
    return reply.status(204).send();
  });

  app.get(`${ENDPOINT}/headers`, { config: READS_WEBHOOKS, schema: { params: EndpointParams, response: { 200: EndpointHeadersOut } } }, async (request) => {
    const { application } = await context(request);
    const existing = await endpointOf(service, application, request.params.endpoint);
    return { headers: existing.headers, sensitive: [] };
  });

  app.put(`${ENDPOINT}/headers`, { config: WRITES_WEBHOOKS, schema: { params: EndpointParams, body: EndpointHeadersIn, response: { 204: noBody('Replaced.') } } }, async (request, reply) => {
    const { tenantId, application } = await context(request);
    const existing = await endpointOf(service, application, request.params.endpoint);
    await updateSubscription(service, tenantId, existing.id, { headers: request.body.headers });
    return reply.status(204).send();
  });

  app.patch(`${ENDPOINT}/headers`, { config: WRITES_WEBHOOKS, schema: { params: EndpointParams, body: EndpointHeadersPatchIn, response: { 204: noBody('Changed.') } } }, async (request, reply) => {
    const { tenantId, application } = await context(request);
    const existing = await endpointOf(service, application, request.params.endpoint);
    const headers = { ...existing.headers, ...request.body.headers };
    for (const name of request.body.deleteHeaders ?? []) delete headers[name];
    await updateSubscription(service, tenantId, existing.id, { headers });
    return reply.status(204).send();
  });

  // The core's recovery task requeues the endpoint's failed deliveries of the window in the background.
  app.post(`${ENDPOINT}/recover`, { config: WRITES_DELIVERIES, schema: { params: EndpointParams, body: RecoverIn, response: { 202: RecoverOut } } }, async (request, reply) => {
    const { tenantId, application } = await context(request);
    const existing = await endpointOf(service, application, request.params.endpoint);
    const { since, until } = request.body;
    const { task } = await startRecovery(service, tenantId, existing.id, { since: Date.parse(since), until: until ? Date.parse(until) : null });
    return reply.status(202).send(presentRecoverTask(task));
  });
};

type EndpointFields = Partial<EndpointIn>;

/** Creates an endpoint of the application; its uid must not look like an `ep_` id. */
async function createEndpoint(service: ServiceDeps, application: Application, body: EndpointIn): Promise<SubscriptionView> {
  const input = endpointInput(body, application, undefined);
  return createSubscription(service, application.tenantId, {
    ...input,
    url: body.url,
    eventTypes: input.eventTypes ?? ['*'],
    format: SVIX,
    applicationId: application.id,
    secret: body.secret ?? undefined,
    headers: body.headers ?? undefined,
  });
}

/** The subscription fields of an endpoint request of `application`; absent fields keep their values. */
function endpointInput(body: EndpointFields, application: Application, existing: SubscriptionView | undefined): SubscriptionInput {
  if (body.uid) {
    const problems = uidProblems(body.uid, svixPrefix('endpoint'));
    if (problems.length > 0) throw new HookpostError('validation_failed', 'The uid is not valid.', problems);
  }
  const types = body.eventTypes !== undefined ? body.eventTypes : body.filterTypes;
  const current = (existing?.platformData ?? {}) as Partial<SvixEndpointData>;
  const throttle = body.throttleRate !== undefined ? body.throttleRate : body.rateLimit;
  const data: SvixEndpointData = {
    throttle_rate: throttle !== undefined ? throttle : (current.throttle_rate ?? null),
    version: body.version ?? current.version ?? 1,
  };
  return {
    url: body.url,
    // An endpoint without event types hears every type.
    eventTypes: types === undefined ? undefined : types === null || types.length === 0 ? ['*'] : types.map(qualifyType),
    description: body.description,
    uid: body.uid,
    channels: body.channels,
    metadata: body.metadata,
    active: body.disabled === undefined ? undefined : !body.disabled,
    secret: existing ? (body.secret ?? undefined) : undefined,
    platformData: data as unknown as Record<string, unknown>,
    // The rate in force (the endpoint's own, else its application's: ./throttle.ts) is the
    // subscription's rate limit, enforced across workers.
    rateLimitPerSecond: rateInForce(data.throttle_rate, application),
  };
}
