/** A subscription with due work, and how many more deliveries it may have in flight. */
export interface ClaimCandidate {
  subscriptionId: string;
  room: number;
}

/**
 * Splits a claim of `limit` deliveries fairly between subscriptions with due work: each gets an
 * equal share (at least one), never more than its room; what a subscription cannot use goes to
 * the others in further rounds. So one subscription's backlog, or a hanging endpoint that
 * holds all its slots, can never take the whole claim window: a fresh event of another
 * subscription is claimed in the very next claim. Candidates come in round-robin order; when
 * there are more candidates than slots, the first ones get one each.
 */
export function claimShares(candidates: ClaimCandidate[], limit: number): Map<string, number> {
  const shares = new Map<string, number>();
  let open = candidates.filter((c) => c.room > 0);
  let left = limit;
  while (left > 0 && open.length > 0) {
    const each = Math.max(1, Math.floor(left / open.length));
    const next: ClaimCandidate[] = [];
    for (const candidate of open) {
      if (left === 0) break;
      const given = shares.get(candidate.subscriptionId) ?? 0;
      const take = Math.min(each, candidate.room - given, left);
      shares.set(candidate.subscriptionId, given + take);
      left -= take;
      if (given + take < candidate.room) next.push(candidate);
    }
    // A round that gave nothing more cannot happen (each >= 1 and every open candidate has room).
    open = next;
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

/** The most subscriptions one claim looks at; the rest come first in the next claim (round robin). */
export const CLAIM_SCAN_SUBSCRIPTIONS = 1_000;

/** A candidate row as both stores' CLAIM_CANDIDATES return it. */
export interface CandidateRow {
  subscription_id: string;
  in_flight: number;
  circuit: 'closed' | 'open' | 'half_open';
}

/**
 * The room a candidate has in this claim: what it may hold less what this claimer holds, and only
 * one delivery, the probe, when its circuit is not closed (the claim takes the probe first).
 */
export function candidateOf(row: CandidateRow, perSubscription: number): ClaimCandidate {
  const room = perSubscription - Number(row.in_flight); // PostgreSQL's COUNT arrives as a string
  return { subscriptionId: row.subscription_id, room: row.circuit === 'closed' ? room : Math.min(1, room) };
}
