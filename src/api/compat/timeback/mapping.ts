import { createHash } from 'node:crypto';
import type { Subscription } from '../../../core/model.js';
import { createSecretBox } from '../../../core/secret-box.js';
import type { SubscriptionView } from '../../../service/subscriptions.js';
import type { StoredFilter } from './filters.js';

/** What a Timeback webhook keeps besides the core subscription fields (in `platformData`). */
export interface TimebackWebhookData {
  sensor: string | null;
  /** The client's secret, sealed with the subscription's own key (see sealClientSecret). */
  sealedSecret: string;
  /** Soft delete: set by DELETE; the webhook then no longer exists for the API nor for delivery. */
  deletedAt: number | null;
  filters: StoredFilter[];
}

/** The Timeback fields of a subscription (one this door created). */
export function platformDataOf(subscription: Pick<Subscription, 'platformData'>): TimebackWebhookData {
  const data = subscription.platformData as Partial<TimebackWebhookData>;
  return { sensor: data.sensor ?? null, sealedSecret: data.sealedSecret ?? '', deletedAt: data.deletedAt ?? null, filters: data.filters ?? [] };
}

// A Timeback secret is any string the client picks, so it cannot be the subscription's `whsec_`
// key. It is sealed with a key derived from that subscription key (itself sealed by the instance
// key), so the delivery format can open it from what the dispatcher hands every format.
function boxFor(subscriptionSecret: string) {
  return createSecretBox(createHash('sha256').update(`timeback-secret:${subscriptionSecret}`).digest());
}

/** Seals the client's secret under the subscription's key. */
export function sealClientSecret(subscriptionSecret: string, clientSecret: string): string {
  return boxFor(subscriptionSecret).seal(clientSecret);
}

/** Opens the client's secret with the subscription's key. */
export function openClientSecret(subscriptionSecret: string, sealed: string): string {
  return boxFor(subscriptionSecret).open(sealed);
}

/** A webhook as Timeback shows it. */
export function presentWebhook(subscription: SubscriptionView, secret: string) {
  const data = platformDataOf(subscription);
  return {
    id: subscription.id,
    sensor: data.sensor,
    name: subscription.name ?? '',
    description: subscription.description,
    targetUrl: subscription.url,
    secret,
    active: subscription.active,
    createdAt: iso(subscription.createdAt),
    updatedAt: iso(subscription.updatedAt),
    deletedAt: data.deletedAt === null ? null : iso(data.deletedAt),
  };
}

/** A webhook filter as Timeback shows it (with the `id` its get/update/delete paths need). */
export function presentFilter(webhookId: string, filter: StoredFilter) {
  return {
    id: filter.id,
    webhookId,
    filterKey: filter.filterKey,
    filterValue: filter.filterValue,
    filterType: filter.filterType,
    filterOperation: filter.filterOperation,
    active: filter.active,
    createdAt: iso(filter.createdAt),
    updatedAt: iso(filter.updatedAt),
    deletedAt: filter.deletedAt === null ? null : iso(filter.deletedAt),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
