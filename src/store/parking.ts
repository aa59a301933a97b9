/** Rows parked or unparked per transaction: a few milliseconds of work each. */
export const PARKING_BATCH = 2_000;

/**
 * Runs parking work one at a time per subscription, so that a quick disable-enable cannot
 * interleave its batches with the disable's and leave rows parked under an active subscription.
 */
export function serialisePerSubscription() {
  const tails = new Map<string, Promise<void>>();
  return (subscriptionId: string, work: () => Promise<void>): Promise<void> => {
    const previous = tails.get(subscriptionId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    tails.set(subscriptionId, next);
    void next.finally(() => {
      if (tails.get(subscriptionId) === next) tails.delete(subscriptionId);
    }).catch(() => undefined);
    return next;
  };
}
