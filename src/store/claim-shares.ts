import { heldAgainstShare } from '../core/shares.js';

/** A subscription with due work, its tenant, and how many more deliveries it may have in flight. */
export interface ClaimCandidate {
  subscriptionId: string;
  tenantId: string;
  room: number;
}

/** Something that takes a share of a claim, up to its room. */
interface Claimant {
  key: string;
  room: number;
}

/**
 * Splits `limit` fairly between claimants in the order given: each gets an equal share (at least
 * one), never more than its room; what a claimant cannot use goes to the others in further rounds.
 * When there are more claimants than slots, the first ones get one each.
 */
function fairSplit(claimants: Claimant[], limit: number): Map<string, number> {
  const shares = new Map<string, number>();
  let open = claimants.filter((c) => c.room > 0);
  let left = limit;
  while (left > 0 && open.length > 0) {
    const each = Math.max(1, Math.floor(left / open.length));
    const next: Claimant[] = [];
    for (const claimant of open) {
      if (left === 0) break;
      const given = shares.get(claimant.key) ?? 0;
      const take = Math.min(each, claimant.room - given, left);
      shares.set(claimant.key, given + take);
      left -= take;
      if (given + take < claimant.room) next.push(claimant);
    }
    // A round that gave nothing more cannot happen (each >= 1 and every open claimant has room).
    open = next;
  }
  return shares;
}

/** The candidates grouped by tenant, tenants and their subscriptions in the order given. */
export function groupByTenant<C extends ClaimCandidate>(candidates: C[]): Map<string, C[]> {
  const tenants = new Map<string, C[]>();
  for (const candidate of candidates) {
    const own = tenants.get(candidate.tenantId);
    if (own) own.push(candidate);
    else tenants.set(candidate.tenantId, [candidate]);
  }
  return tenants;
}

/**
 * Splits a claim of `limit` deliveries fairly, first between TENANTS with due work, then within
 * each tenant between its subscriptions: each tenant gets an equal share (at least one), never
 * more than its subscriptions' room together, and what a tenant cannot use goes to the others in
 * further rounds; a tenant's share is then split the same way between its subscriptions. So a
 * tenant with many subscriptions and a large backlog takes no more of the window than a tenant
 * with one fresh event, and one subscription's backlog, or a hanging endpoint that holds all its
 * slots, can never take its whole tenant's share. Candidates come in turn order (`inTurn`): when
 * there are more tenants (or a tenant's subscriptions) than slots, the first ones get one each.
 * Returns each subscription's share.
 */
export function claimShares(candidates: ClaimCandidate[], limit: number): Map<string, number> {
  const tenants = groupByTenant(candidates.filter((c) => c.room > 0));
  const tenantShares = fairSplit(
    [...tenants].map(([key, own]) => ({ key, room: own.reduce((sum, c) => sum + c.room, 0) })),
    limit,
  );
  const shares = new Map<string, number>();
  for (const [tenantId, share] of tenantShares) {
    const own = tenants.get(tenantId)!.map((c) => ({ key: c.subscriptionId, room: c.room }));
    for (const [subscriptionId, take] of fairSplit(own, share)) shares.set(subscriptionId, take);
  }
  return shares;
}

/**
 * The candidates worth another round after one: those that filled their share (they may have
 * more due) and still have room. A subscription with fewer due rows than its share leaves the
 * rest of the claim to the others this way.
 */
export function nextRound(candidates: ClaimCandidate[], shares: Map<string, number>, claimed: Map<string, number>): ClaimCandidate[] {
  return candidates.flatMap((candidate) => {
    const share = shares.get(candidate.subscriptionId);
    const got = claimed.get(candidate.subscriptionId) ?? 0;
    return share !== undefined && got === share && candidate.room > got ? [{ ...candidate, room: candidate.room - got }] : [];
  });
}

/** Rounds of one claim at most: the first shares, then what subscriptions with fewer due rows left over. */
export const CLAIM_ROUNDS = 3;

/** The most subscriptions one claim looks at; the next claim looks at the ones after them (round robin). */
export const CLAIM_SCAN_SUBSCRIPTIONS = 1_000;

/** A candidate row as both stores' CLAIM_CANDIDATES return it. */
export interface CandidateRow {
  subscription_id: string;
  tenant_id: string;
  in_flight: number;
  circuit: 'closed' | 'open' | 'half_open';
}

/**
 * The room a candidate has in this claim: what it may hold less what this claimer holds, and only
 * one delivery, the probe, when its circuit is not closed (the claim takes the probe first). Of
 * what it holds, those the claimer says were sent and wait for their outcome's write (`settled`)
 * count as core/shares.ts says.
 */
export function candidateOf(row: CandidateRow, perSubscription: number, settled = 0): ClaimCandidate {
  // PostgreSQL's COUNT arrives as a string.
  const room = perSubscription - heldAgainstShare(Number(row.in_flight), settled, perSubscription);
  return { subscriptionId: row.subscription_id, tenantId: row.tenant_id, room: row.circuit === 'closed' ? room : Math.min(1, room) };
}
