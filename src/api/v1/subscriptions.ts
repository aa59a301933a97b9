import { Type } from '../../vendor/typebox.js';
import type { Filter } from '../../core/filter.js';
import { requireTenant } from '../../service/tenants.js';
import {
  createSubscription,
  deleteSubscription,
  listSubscriptions,
  readSecret,
  requireSubscription,
  rotateSecret,
  updateSubscription,
  view,
  type SubscriptionInput,
} from '../../service/subscriptions.js';
import { audit } from '../audit-trail.js';

import { pageRequest, presentPage, presentSubscription } from '../presenters.js';
import {
  CreateSubscriptionBody,
  RotateSecretBody,
  Secret,
  Subscription,
  SubscriptionListQuery,
  SubscriptionPage,
  TenantParams,
  TenantResourceParams,
  UpdateSubscriptionBody,
} from '../schemas.js';
import { errorResponses, type RoutePlugin } from './context.js';

const tags = ['subscriptions'];

/** A tenant's subscriptions: create, read, change, delete, and their secrets. */
export const subscriptionRoutes: RoutePlugin = async (app, { service }) => {
  app.post(
    '/tenants/:tenant/subscriptions',
    {
      config: { scope: 'subscriptions:write' },
      schema: {
        tags,
        summary: 'Create a subscription',
        description: 'Without `secret`, a `whsec_` secret is generated. The answer is the only one that shows the secret besides GET …/secret.',
        params: TenantParams,
        body: CreateSubscriptionBody,
        response: { 201: Subscription, ...errorResponses },
      },
    },
    async (request, reply) => {
      await requireTenant(service, request.params.tenant);
      const body = request.body;
      const created = await createSubscription(service, request.params.tenant, {
        ...toInput(body),
        url: body.url,
        eventTypes: body.event_types,
        signing: body.signing,
      });
      await audit(request, service, {
        action: 'subscription.created',
        tenantId: created.tenantId,
        targetType: 'subscription',
        targetId: created.id,
        details: { url: created.url, event_types: created.eventTypes },
      });
      return reply.status(201).send(presentSubscription(created));
    },
  );

  app.get(
    '/tenants/:tenant/subscriptions',
    {
      config: { scope: 'subscriptions:read' },
      schema: { tags, summary: 'List subscriptions', params: TenantParams, querystring: SubscriptionListQuery, response: { 200: SubscriptionPage, ...errorResponses } },
    },
    async (request) => {
      return presentPage(await listSubscriptions(service, request.params.tenant, {}, pageRequest(request.query)), presentSubscription);
    },
  );

  app.get(
    '/tenants/:tenant/subscriptions/:id',
    { config: { scope: 'subscriptions:read' }, schema: { tags, summary: 'Get a subscription', params: TenantResourceParams, response: { 200: Subscription, ...errorResponses } } },
    async (request) => {
      const subscription = await requireSubscription(service, request.params.tenant, request.params.id);
      return presentSubscription(view(service, subscription, false));
    },
  );

  app.patch(
    '/tenants/:tenant/subscriptions/:id',
    {
      config: { scope: 'subscriptions:write' },
      schema: {
        tags,
        summary: 'Change a subscription',
        description: 'Setting `active` to true re-enables a subscription that was disabled (for example after a 410).',
        params: TenantResourceParams,
        body: UpdateSubscriptionBody,
        response: { 200: Subscription, ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body;
      const updated = await updateSubscription(service, request.params.tenant, request.params.id, {
        ...toInput(body),
        url: body.url,
        eventTypes: body.event_types,
      });
      // Field names only: a new secret must not land in the log.
      await audit(request, service, {
        action: 'subscription.updated',
        tenantId: updated.tenantId,
        targetType: 'subscription',
        targetId: updated.id,
        details: { fields: Object.keys(body) },
      });
      return presentSubscription(updated);
    },
  );

  app.delete(
    '/tenants/:tenant/subscriptions/:id',
    {
      config: { scope: 'subscriptions:write' },
      schema: {
        tags,
        summary: 'Delete a subscription and its deliveries',
        params: TenantResourceParams,
        response: { 204: Type.Null({ description: 'Deleted.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await deleteSubscription(service, request.params.tenant, request.params.id);
      await audit(request, service, { action: 'subscription.deleted', tenantId: request.params.tenant, targetType: 'subscription', targetId: request.params.id });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/tenants/:tenant/subscriptions/:id/secret',
    { config: { scope: 'subscriptions:write' }, schema: { tags, summary: "Read a subscription's signing secret", params: TenantResourceParams, response: { 200: Secret, ...errorResponses } } },
    async (request) => {
      const { subscription, secret } = await readSecret(service, request.params.tenant, request.params.id);
      // Reading a secret discloses it; the log says who did.
      await audit(request, service, { action: 'subscription.secret_read', tenantId: subscription.tenantId, targetType: 'subscription', targetId: subscription.id });
      return { secret };
    },
  );

  app.post(
    '/tenants/:tenant/subscriptions/:id/rotate-secret',
    {
      config: { scope: 'subscriptions:write' },
      schema: {
        tags,
        summary: 'Replace the signing secret',
        description:
          'Until `grace_period_seconds` (default 86400) have passed, every delivery carries a signature made with the old secret as well, in the same webhook-signature header.',
        params: TenantResourceParams,
        body: RotateSecretBody,
        response: { 200: Secret, ...errorResponses },
      },
    },
    async (request) => {
      const secret = await rotateSecret(service, request.params.tenant, request.params.id, request.body?.secret, request.body?.grace_period_seconds);
      await audit(request, service, {
        action: 'subscription.secret_rotated',
        tenantId: request.params.tenant,
        targetType: 'subscription',
        targetId: request.params.id,
        details: { grace_period_seconds: request.body?.grace_period_seconds ?? null },
      });
      return { secret };
    },
  );
};

function toInput(body: Partial<CreateSubscriptionBody>): SubscriptionInput {
  return {
    secret: body.secret,
    name: body.name,
    description: body.description,
    metadata: body.metadata,
    headers: body.headers,
    filter: body.filter as Filter | null | undefined,
    active: body.active,
    retryPolicy:
      body.retry_policy === undefined
        ? undefined
        : body.retry_policy && { scheduleMs: body.retry_policy.schedule_ms ?? null, maxAttempts: body.retry_policy.max_attempts ?? null },
    ordering: body.ordering,
    rateLimitPerSecond: body.rate_limit_per_second,
    maxInFlight: body.max_in_flight,
  };
}
