// A subscription's share: how many of its deliveries one engine may hold at once, whether claimed
// (store/claim-shares.ts) or read from the hand-off (delivery/dispatcher.ts). What counts against
// it is the same in both, so it is said once here.

/**
 * How many of the `held` deliveries count against a share of `share`: those sent and waiting for
 * their outcome's write (`settled`) do not, up to a share's worth. Counted, a backlog to one
 * endpoint sent nothing for a third of the time or more: its whole share sent, none of it written
 * yet, and nothing more to take until the write (docs/performance.md).
 */
export function heldAgainstShare(held: number, settled: number, share: number): number {
  return held - Math.min(settled, share, held);
}
