import { DELIVERY_STATUSES, type DeliveryStatus } from '../core/model.js';
import type { TenantUsage } from './store.js';

/** A tenant's usage from its counts, with every delivery status present (zero when none). */
export function usageOf(counts: { events: number; byStatus: { status: DeliveryStatus; n: number }[]; attempts: number; subscriptions: number }): TenantUsage {
  const deliveries = Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, 0])) as Record<DeliveryStatus, number>;
  for (const row of counts.byStatus) deliveries[row.status] = row.n;
  return { events: counts.events, deliveries, attempts: counts.attempts, subscriptions: counts.subscriptions };
}
