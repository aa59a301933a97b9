import type { InsertEventResult, NewDelivery, NewEventWrite } from './store.js';

/** A new delivery's due_at: its lease's expiry when written leased (as a claim sets it), else when it is due. */
export function dueAtOf(delivery: NewDelivery): number {
  return delivery.lease?.until ?? delivery.dueAt;
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
