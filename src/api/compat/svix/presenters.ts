import type { Application, Attempt, HookEvent, Task, TenantEventType } from '../../../core/model.js';
import type { SubscriptionView } from '../../../service/subscriptions.js';
import { iso } from '../shared/formats.js';
import { platformDataOf } from '../shared/subscriptions.js';
import { localType } from './names.js';

// Svix names objects with its own prefixes. Applications (app_) and messages (msg_) carry them in
// the core; subscriptions (sub_) and attempts (atm_) are renamed here, in both directions.
const RENAMED = { endpoint: ['ep_', 'sub_'], attempt: ['atmpt_', 'atm_'], task: ['qtask_', 'tsk_'] } as const;

/** The Svix id of a core id (`sub_X` → `ep_X`). */
export function svixId(kind: keyof typeof RENAMED, coreId: string): string {
  const [svix, core] = RENAMED[kind];
  return coreId.startsWith(core) ? svix + coreId.slice(core.length) : coreId;
}

/** The core id of a Svix id (`ep_X` → `sub_X`), or undefined when it is not one (a uid). */
export function coreId(kind: keyof typeof RENAMED, id: string): string | undefined {
  const [svix, core] = RENAMED[kind];
  return id.startsWith(svix) ? core + id.slice(svix.length) : undefined;
}

/** The prefix of Svix's ids of a kind, which no uid of that kind may start with. */
export function svixPrefix(kind: keyof typeof RENAMED): string {
  return RENAMED[kind][0];
}

/** What the door keeps in a subscription's platformData. */
export interface SvixEndpointData {
  throttle_rate: number | null;
  version: number;
}

export function presentApplication(app: Application) {
  return {
    id: app.id,
    uid: app.uid,
    name: app.name,
    metadata: app.metadata,
    rateLimit: app.throttleRate,
    throttleRate: app.throttleRate,
    createdAt: iso(app.createdAt),
    updatedAt: iso(app.updatedAt),
  };
}

/** An endpoint in both lines' spelling: 1.x reads `filterTypes` and `version`, 2.x `eventTypes`. */
export function presentEndpoint(endpoint: SubscriptionView) {
  const data = platformDataOf<SvixEndpointData>(endpoint);
  const types = endpoint.eventTypes.includes('*') ? null : endpoint.eventTypes.map(localType);
  return {
    id: svixId('endpoint', endpoint.id),
    uid: endpoint.uid ?? null,
    url: endpoint.url,
    description: endpoint.description ?? '',
    version: data.version ?? 1,
    disabled: !endpoint.active,
    filterTypes: types,
    eventTypes: types,
    channels: endpoint.channels ?? null,
    rateLimit: data.throttle_rate ?? null,
    throttleRate: data.throttle_rate ?? null,
    metadata: endpoint.metadata,
    createdAt: iso(endpoint.createdAt),
    updatedAt: iso(endpoint.updatedAt),
  };
}

/** A message; without content (2.x asks `with_content=false`) the payload is `{}`, as Svix answers. */
export function presentMessage(event: HookEvent, withContent: boolean) {
  return {
    id: event.id,
    eventId: event.uid ?? null,
    eventType: localType(event.type),
    payload: withContent ? event.data : {},
    channels: event.channels ?? null,
    tags: event.tags ?? null,
    timestamp: iso(event.createdAt),
    deliverAt: event.deliverAt === null ? null : iso(event.deliverAt),
  };
}

// Svix's MessageStatus: 0 success, 1 pending, 2 fail, 3 sending.
export const ATTEMPT_STATUS = { success: 0, pending: 1, fail: 2, sending: 3 } as const;

/** One attempt: what was sent where, and what came back. */
export function presentAttempt(attempt: Attempt, context: { eventId: string; subscriptionId: string; url: string; msg?: ReturnType<typeof presentMessage> }) {
  const status = attempt.succeeded ? 'success' : 'fail';
  return {
    id: svixId('attempt', attempt.id),
    url: context.url,
    response: attempt.responseBody ?? attempt.errorMessage ?? '',
    responseStatusCode: attempt.statusCode ?? 0,
    responseDurationMs: attempt.durationMs,
    status: ATTEMPT_STATUS[status],
    statusText: status,
    triggerType: 0,
    msgId: context.eventId,
    endpointId: svixId('endpoint', context.subscriptionId),
    timestamp: iso(attempt.startedAt),
    ...(context.msg ? { msg: context.msg } : {}),
  };
}

export function presentEventType(eventType: TenantEventType, withContent = true) {
  return {
    name: localType(eventType.name),
    description: eventType.description,
    archived: eventType.archived,
    deprecated: eventType.deprecated,
    schemas: withContent ? eventType.schemas : null,
    featureFlags: eventType.featureFlags,
    featureFlag: eventType.featureFlags?.[0] ?? null,
    groupName: eventType.groupName,
    createdAt: iso(eventType.createdAt),
    updatedAt: iso(eventType.updatedAt),
  };
}

/** A recovery as Svix's background task (`RecoverOut`): running, then finished. */
export function presentRecoverTask(task: Task) {
  return {
    id: svixId('task', task.id),
    status: task.status === 'done' ? 'finished' : 'running',
    task: 'endpoint.recover',
    updatedAt: iso(task.updatedAt),
  };
}

/** Svix's list answer: `iterator` continues after this page, `done` says there is no more. */
export function listOut<T>(data: T[], nextCursor: string | null) {
  return { data, iterator: nextCursor, prevIterator: null, done: nextCursor === null };
}
