import type { InsertEventResult, NewDelivery, NewEventWrite } from './store.js';

/** A new delivery's due_at: its lease's expiry when written leased (as a claim sets it), else when it is due. */
export function dueAtOf(delivery: NewDelivery): number {
  return delivery.lease?.until ?? delivery.dueAt;
}

/** Whether the delivery waits in an ordered group ('' is the whole subscription's group; null or absent: not ordered). */
export function isOrdered(delivery: NewDelivery): boolean {
  return delivery.orderingKey !== null && delivery.orderingKey !== undefined;
}

/** Whether a claim must pick up some of these deliveries: one was written pending, not handed off leased. */
export function awaitsClaim(deliveries: NewDelivery[]): boolean {
  return deliveries.some((delivery) => !delivery.lease);
}

/** Whether writing these events left deliveries for a claim (so dispatchers must be woken). */
export function writesAwaitClaim(items: NewEventWrite[], results: InsertEventResult[]): boolean {
  return results.some((result, i) => result.created && awaitsClaim(items[i]!.deliveries));
}

/** Whether writing these events wrote deliveries at all (handed off or not). */
export function writesDeliveries(items: NewEventWrite[], results: InsertEventResult[]): boolean {
  return results.some((result, i) => result.created && items[i]!.deliveries.length > 0);
}
