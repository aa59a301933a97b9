import type { Task } from '../../core/model.js';
import { startRecovery } from '../../service/recovery.js';
import { requireTask } from '../../service/tasks.js';
import { audit } from '../audit-trail.js';
import { TenantResourceParams } from '../schemas.js';
import { errorResponses, type RoutePlugin } from './context.js';
import { RecoverBody, StartedTask, SubscriptionHealth, TaskResource } from './engine-schemas.js';
import { subscriptionHealth } from '../../service/endpoint-health.js';
import type { HealthWindow } from '../../service/endpoint-health.js';

/** Recovering a subscription's failed deliveries in the background, reading a task's progress, and a subscription's endpoint health. */
export const recoveryRoutes: RoutePlugin = async (app, { service }) => {
  app.post(
    '/tenants/:tenant/subscriptions/:id/recover',
    {
      config: { scope: 'deliveries:write' },
      schema: {
        tags: ['subscriptions'],
        summary: "Send a subscription's failed deliveries again",
        description:
          'Starts a background task that requeues every failed delivery created in [since, until). Asking again while the same task runs answers with that task and sends nothing twice.',
        params: TenantResourceParams,
        body: RecoverBody,
        response: { 202: StartedTask, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { tenant, id } = request.params;
      const { since, until } = request.body;
      const { task, created } = await startRecovery(service, tenant, id, {
        since: Date.parse(since),
        until: until === undefined ? null : Date.parse(until),
      });
      if (created) await audit(request, service, { action: 'subscription.recovery_started', tenantId: tenant, targetType: 'subscription', targetId: id, details: { task_id: task.id } });
      return reply.status(202).send({ task_id: task.id });
    },
  );

  app.get(
    '/tenants/:tenant/subscriptions/:id/health',
    {
      config: { scope: 'deliveries:read' },
      schema: {
        tags: ['subscriptions'],
        summary: "A subscription's endpoint health",
        description:
          'The circuit breaker (consecutive failures open it: deliveries wait instead of being attempted, then one probe after a cooldown closes it or reopens it), and the success rate and latency of the last hour and day of attempts.',
        params: TenantResourceParams,
        response: { 200: SubscriptionHealth, ...errorResponses },
      },
    },
    async (request) => presentHealth(request.params.id, await subscriptionHealth(service, request.params.tenant, request.params.id)),
  );

  app.get(
    '/tenants/:tenant/tasks/:id',
    {
      config: { scope: 'deliveries:read' },
      schema: { tags: ['tasks'], summary: 'Get a background task and its progress', params: TenantResourceParams, response: { 200: TaskResource, ...errorResponses } },
    },
    async (request) => presentTask(await requireTask(service, request.params.tenant, request.params.id)),
  );
};

function presentHealth(id: string, health: Awaited<ReturnType<typeof subscriptionHealth>>) {
  const window = (w: HealthWindow) => ({
    attempts: w.attempts,
    successes: w.successes,
    failures: w.failures,
    success_rate: w.successRate,
    average_latency_ms: w.averageLatencyMs,
    max_latency_ms: w.maxLatencyMs,
  });
  return {
    subscription_id: id,
    active: health.active,
    circuit: health.circuit,
    retry_at: isoOrNull(health.retryAt),
    consecutive_failures: health.consecutiveFailures,
    failing_since: isoOrNull(health.failingSince),
    last_hour: window(health.lastHour),
    last_day: window(health.lastDay),
  };
}

function isoOrNull(at: number | null): string | null {
  return at === null ? null : new Date(at).toISOString();
}

function presentTask(task: Task) {
  return {
    id: task.id,
    kind: task.kind,
    status: task.status,
    params: task.params,
    progress: task.progress,
    created_at: new Date(task.createdAt).toISOString(),
    updated_at: new Date(task.updatedAt).toISOString(),
    finished_at: task.finishedAt === null ? null : new Date(task.finishedAt).toISOString(),
  };
}
