import { HookpostError } from '../../../core/errors.js';
import { noBody } from '../shared/openapi.js';
import { callerOf } from '../shared/credentials.js';
import { installPlatformErrors } from '../shared/errors.js';
import { replayIdempotentRequests } from '../shared/idempotency.js';
import type { RoutePlugin } from '../../v1/context.js';
import { applicationRoutes } from './applications.js';
import { attemptRoutes } from './attempts.js';
import { backgroundTaskRoutes } from './background-tasks.js';
import { endpointRoutes } from './endpoints.js';
import { eventTypeRoutes } from './event-types.js';
import { SvixErrorBody, svixError } from './errors.js';
import { applicationOf } from './lookup.js';
import { messageRoutes } from './messages.js';
import { AppParams } from './schemas.js';

/**
 * Svix's API under `/compat/svix/api/v1`, for the official SDKs with `serverUrl` set to
 * `/compat/svix`: applications, endpoints, event types, messages and attempts on the core's
 * applications, subscriptions, tenant event types, events and deliveries.
 */
export const svixRoutes: RoutePlugin = async (app, deps) => {
  const { service } = deps;
  installPlatformErrors(app, svixError);
  replayIdempotentRequests(app, service);

  // Svix answers its health check without credentials, with no body.
  app.get('/api/v1/health', { schema: { summary: 'Health', security: [], response: { 204: noBody('Healthy.') } } }, async (_request, reply) => reply.status(204).send());

  for (const kind of ['app-portal-access', 'dashboard-access']) {
    app.post(`/api/v1/auth/${kind}/:app`, { config: { scope: 'subscriptions:read' }, schema: { params: AppParams, response: { 501: { description: 'Not served: Hookpost has no consumer portal yet.', ...SvixErrorBody } } } }, async (request) => {
      const { tenantId } = await callerOf(service, request);
      await applicationOf(service, tenantId, request.params.app);
      throw new HookpostError('not_implemented', 'Hookpost has no consumer portal yet, so there is no portal link to give out.');
    });
  }

  // Only the deps: the options this plugin got also hold its prefix, which must not apply twice.
  const routeDeps = { service, schemas: deps.schemas };
  for (const routes of [applicationRoutes, endpointRoutes, eventTypeRoutes, messageRoutes, attemptRoutes, backgroundTaskRoutes]) await app.register(routes, routeDeps);
};
