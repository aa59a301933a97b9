/**
 * Whether an event published on `eventChannels` reaches a subscription listening on
 * `subscriptionChannels`: a subscription without channels hears every event; one with channels
 * hears only events published on at least one of them.
 */
export function reachesChannels(subscriptionChannels: readonly string[] | null | undefined, eventChannels: readonly string[] | null | undefined): boolean {
  if (!subscriptionChannels || subscriptionChannels.length === 0) return true;
  return (eventChannels ?? []).some((channel) => subscriptionChannels.includes(channel));
}

/** Whether an event published to `eventApplication` reaches a subscription of `subscriptionApplication` (both null: the tenant's own). */
export function reachesApplication(subscriptionApplication: string | null | undefined, eventApplication: string | null | undefined): boolean {
  return (subscriptionApplication ?? null) === (eventApplication ?? null);
}
