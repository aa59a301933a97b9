// How much of one subscription's due work a sender claims, and when it claims for it again. Kept
// apart from the dispatcher so that the store's queue options (runtime/sending.ts) use the same
// numbers without loading the engine.

/**
 * The most deliveries of one subscription a sender holds (claimed or handed off, outcome not yet
 * written): four rounds of its sends. Beyond the round in flight, up to three wait, so a claim made
 * when the lane runs low (runsLow) takes two rounds or more at once.
 */
export function claimsPerSubscription(perEndpointConcurrency: number): number {
  return 4 * perEndpointConcurrency;
}

/**
 * Whether a subscription whose sender holds `held` of its deliveries runs low: no more than a round
 * in flight and a round waiting. Only then do its outcomes ask for a claim. A claim costs about
 * 660 µs whatever its size (its scan, BEGIN/COMMIT), and claiming what each outcome write freed
 * made a claim per outcome write, of 35 to 47 deliveries (docs/performance.md).
 */
export function runsLow(held: number, perEndpointConcurrency: number): boolean {
  return held <= 2 * perEndpointConcurrency;
}
