import { randomUUID } from 'node:crypto';
import { HookpostError } from '../../../core/errors.js';
import { parseFilter } from '../../../core/filter.js';
import { generateSecret } from '../../../core/signing.js';
import type { ServiceDeps } from '../../../service/deps.js';
import type { Subscription } from '../../../core/model.js';
import { requireSubscription, updateSubscription, type SubscriptionModification, type SubscriptionView } from '../../../service/subscriptions.js';
import { PlatformSubscriptions } from '../shared/subscriptions.js';
import { TIMEBACK_EVENT_TYPES } from './catalog.js';
import { TIMEBACK_FORMAT } from './envelope.js';
import { compileWebhookFilter, toCoreCondition, type FilterOperation, type FilterType, type StoredFilter } from './filters.js';
import { openClientSecret, platformDataOf, sealClientSecret, type TimebackWebhookData } from './mapping.js';

// Timeback webhooks are core subscriptions in the `timeback` format that listen to every Caliper
// type; their sensor, secret, filters and soft-delete mark live in platformData, and their core
// filter is recompiled from sensor and filters whenever either changes.

/** The fields of a create or (full) update request. */
export interface WebhookInput {
  sensor?: string | null | undefined;
  name: string;
  description: string | null;
  targetUrl: string;
  secret: string;
  active: boolean;
}

/** The fields of a filter create or update request (`webhookId` picks the webhook). */
export interface FilterInput {
  webhookId: string;
  filterKey: string;
  filterValue: string;
  filterType: FilterType;
  filterOperation: FilterOperation;
  active: boolean;
}

/** A live Timeback webhook and its Timeback fields. */
export interface Webhook {
  subscription: SubscriptionView;
  data: TimebackWebhookData;
}

/** The tenant's Timeback webhooks (soft-deleted ones included, as the core keeps them). */
export function timebackSubscriptions(deps: ServiceDeps): PlatformSubscriptions {
  return new PlatformSubscriptions(deps, TIMEBACK_FORMAT);
}

/** Creates a webhook; the core subscription gets a generated key, under which the client's secret is sealed. */
export async function createWebhook(deps: ServiceDeps, tenantId: string, input: WebhookInput): Promise<SubscriptionView> {
  const sensor = input.sensor ?? null;
  const subscriptionSecret = generateSecret();
  const data: TimebackWebhookData = { sensor, sealedSecret: sealClientSecret(subscriptionSecret, input.secret), deletedAt: null, filters: [] };
  return timebackSubscriptions(deps).create(tenantId, {
    url: input.targetUrl,
    eventTypes: TIMEBACK_EVENT_TYPES,
    secret: subscriptionSecret,
    name: input.name,
    description: input.description,
    active: input.active,
    filter: compileWebhookFilter(sensor, []),
    platformData: { ...data },
  });
}

/** The tenant's live (not soft-deleted) Timeback webhook, or not_found. */
export async function requireWebhook(deps: ServiceDeps, tenantId: string, id: string): Promise<Webhook> {
  const subscription = await timebackSubscriptions(deps)
    .get(tenantId, id)
    .catch((error: unknown) => {
      if (error instanceof HookpostError && error.code === 'not_found') return undefined;
      throw error;
    });
  if (!subscription || platformDataOf(subscription).deletedAt !== null) throw new HookpostError('not_found', 'Webhook not found');
  return { subscription, data: platformDataOf(subscription) };
}

/** Every live Timeback webhook of the tenant, oldest first; with a sensor, only that sensor's. */
export async function listWebhooks(deps: ServiceDeps, tenantId: string, sensor?: string): Promise<Webhook[]> {
  return (await timebackSubscriptions(deps).list(tenantId))
    .map((subscription) => ({ subscription, data: platformDataOf(subscription) }))
    .filter(({ data }) => data.deletedAt === null && (sensor === undefined || data.sensor === sensor));
}

/** The secret the client gave the webhook, opened for showing it back. */
export async function clientSecretOf(deps: ServiceDeps, webhook: Pick<Webhook, 'subscription'>): Promise<string> {
  const stored = await requireSubscription(deps, webhook.subscription.tenantId, webhook.subscription.id);
  return openClientSecret(deps.secrets.open(stored.sealedSecret), platformDataOf(stored).sealedSecret);
}

/** Replaces a webhook's fields (PUT is a full replace in Timeback's API); its filters stay. */
export async function replaceWebhook(deps: ServiceDeps, tenantId: string, id: string, input: WebhookInput): Promise<SubscriptionView> {
  await requireWebhook(deps, tenantId, id);
  return modifyWebhook(deps, tenantId, id, (data, current) => ({
    url: input.targetUrl,
    name: input.name,
    description: input.description,
    active: input.active,
    data: { ...data, sensor: input.sensor ?? null, sealedSecret: sealClientSecret(deps.secrets.open(current.sealedSecret), input.secret) },
  }));
}

/** Turns a webhook on or off. */
export async function setWebhookActive(deps: ServiceDeps, tenantId: string, id: string, active: boolean): Promise<SubscriptionView> {
  await requireWebhook(deps, tenantId, id);
  return updateSubscription(deps, tenantId, id, { active });
}

/** Soft-deletes a webhook: it stops receiving and disappears from the API; its deliveries stay in the logs. */
export async function softDeleteWebhook(deps: ServiceDeps, tenantId: string, id: string): Promise<void> {
  await requireWebhook(deps, tenantId, id);
  const now = deps.now();
  await modifyWebhook(deps, tenantId, id, (data) => ({ active: false, data: { ...data, deletedAt: now } }));
}

/** Adds a filter to a webhook; it applies to the next published event. */
export async function createFilter(deps: ServiceDeps, tenantId: string, input: FilterInput): Promise<{ webhookId: string; filter: StoredFilter }> {
  const webhook = await requireFilterWebhook(deps, tenantId, input.webhookId);
  const now = deps.now();
  const filter: StoredFilter = { id: randomUUID(), ...fields(input), createdAt: now, updatedAt: now, deletedAt: null };
  await modifyWebhook(deps, tenantId, webhook.subscription.id, (data) => ({ data: { ...data, filters: [...data.filters, filter] } }));
  return { webhookId: webhook.subscription.id, filter };
}

/** Every live filter of the tenant's live webhooks, or of one webhook. */
export async function listFilters(deps: ServiceDeps, tenantId: string, webhookId?: string): Promise<{ webhookId: string; filter: StoredFilter }[]> {
  const webhooks = webhookId === undefined ? await listWebhooks(deps, tenantId) : [await requireWebhook(deps, tenantId, webhookId)];
  return webhooks.flatMap(({ subscription, data }) =>
    data.filters.filter((filter) => filter.deletedAt === null).map((filter) => ({ webhookId: subscription.id, filter })),
  );
}

/** One live filter by id, with its webhook. */
export async function requireFilter(deps: ServiceDeps, tenantId: string, id: string): Promise<{ webhook: Webhook; filter: StoredFilter }> {
  for (const webhook of await listWebhooks(deps, tenantId)) {
    const filter = webhook.data.filters.find((candidate) => candidate.id === id && candidate.deletedAt === null);
    if (filter) return { webhook, filter };
  }
  throw new HookpostError('not_found', 'Webhook filter not found');
}

/** Replaces a filter's fields; a new `webhookId` moves it to that webhook. */
export async function replaceFilter(deps: ServiceDeps, tenantId: string, id: string, input: FilterInput): Promise<{ webhookId: string; filter: StoredFilter }> {
  const { webhook, filter } = await requireFilter(deps, tenantId, id);
  const changed = fields(input);
  const now = deps.now();
  if (input.webhookId === webhook.subscription.id) {
    let updated: StoredFilter = filter;
    await modifyWebhook(deps, tenantId, webhook.subscription.id, (data) => {
      const current = data.filters.find((f) => f.id === id && f.deletedAt === null);
      if (!current) throw new HookpostError('not_found', 'Webhook filter not found');
      updated = { ...current, ...changed, updatedAt: now };
      return { data: { ...data, filters: data.filters.map((f) => (f.id === id ? updated : f)) } };
    });
    return { webhookId: webhook.subscription.id, filter: updated };
  }
  // A move touches two webhooks: each change is its own transaction, the target's first, so the
  // filter is never lost (at worst, briefly on both).
  const target = await requireFilterWebhook(deps, tenantId, input.webhookId);
  const updated: StoredFilter = { ...filter, ...changed, updatedAt: now };
  await modifyWebhook(deps, tenantId, target.subscription.id, (data) => ({ data: { ...data, filters: [...data.filters, updated] } }));
  await modifyWebhook(deps, tenantId, webhook.subscription.id, (data) => ({ data: { ...data, filters: data.filters.filter((f) => f.id !== id) } }));
  return { webhookId: target.subscription.id, filter: updated };
}

/** Soft-deletes a filter: it stops applying and disappears from the API. */
export async function softDeleteFilter(deps: ServiceDeps, tenantId: string, id: string): Promise<void> {
  const { webhook } = await requireFilter(deps, tenantId, id);
  const now = deps.now();
  await modifyWebhook(deps, tenantId, webhook.subscription.id, (data) => ({
    data: { ...data, filters: data.filters.map((f) => (f.id === id ? { ...f, active: false, deletedAt: now, updatedAt: now } : f)) },
  }));
}

async function requireFilterWebhook(deps: ServiceDeps, tenantId: string, webhookId: string): Promise<Webhook> {
  try {
    return await requireWebhook(deps, tenantId, webhookId);
  } catch {
    // The filter names a webhook in its body: an unknown one is a bad request, not a missing route.
    throw new HookpostError('validation_failed', 'Webhook not found', [{ pointer: '/webhookId', message: 'no such webhook', reason: 'unknown_webhook' }]);
  }
}

function fields(input: FilterInput) {
  // Checks the value against its type and the pattern (regexp) before anything is stored.
  const condition = toCoreCondition(input);
  try {
    parseFilter(condition);
  } catch (error) {
    const message = ((error as HookpostError).details as { message: string }[] | undefined)?.[0]?.message ?? 'is not valid';
    throw new HookpostError('validation_failed', `The filter is not valid: ${message}`, [{ pointer: '/filterValue', message, reason: 'invalid_filter_value' }]);
  }
  const { filterKey, filterValue, filterType, filterOperation, active } = input;
  return { filterKey, filterValue, filterType, filterOperation, active };
}

/** What a change of a webhook sets: its Timeback fields, and any core fields a PUT replaces. */
type WebhookChange = { data: TimebackWebhookData } & Pick<SubscriptionModification, 'url' | 'name' | 'description' | 'active'>;

/**
 * A read-modify-write of a live webhook in one store transaction: `change` reads the Timeback
 * fields as they are with the row locked (so five concurrent filter creations keep all five), and
 * the core filter is recompiled from the sensor and filters it returns.
 */
function modifyWebhook(deps: ServiceDeps, tenantId: string, id: string, change: (data: TimebackWebhookData, current: Subscription) => WebhookChange): Promise<SubscriptionView> {
  return timebackSubscriptions(deps).modify(tenantId, id, (current) => {
    const data = platformDataOf(current);
    if (data.deletedAt !== null) throw new HookpostError('not_found', 'Webhook not found');
    const { data: next, ...fields } = change(data, current);
    return { ...fields, filter: compileWebhookFilter(next.sensor, next.filters), platformData: { ...next } };
  });
}
