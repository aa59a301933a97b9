import { CLAIM_SCAN_SUBSCRIPTIONS, groupByTenant, type ClaimCandidate } from './claim-shares.js';

/**
 * Where the next claim's round robin starts: after the last tenant served (when some were left
 * out), and within each tenant after its last subscription served (when some of its were left
 * out). It holds an entry only for tenants that were partly served.
 */
export interface ClaimRotation {
  tenant: string;
  subscriptionOf: Map<string, string>;
}

export function newRotation(): ClaimRotation {
  return { tenant: '', subscriptionOf: new Map() };
}

/** `items` sorted by `key`, those after `after` first, then (wrapping round) the rest. */
function startingAfter<T>(items: T[], key: (item: T) => string, after: string | undefined): T[] {
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  if (!after) return sorted;
  const first = sorted.findIndex((item) => key(item) > after);
  return first <= 0 ? sorted : [...sorted.slice(first), ...sorted.slice(0, first)];
}

/** The candidates in turn order for `claimShares`: tenants after the rotation's tenant first, each tenant's subscriptions after its own cursor first. */
export function inTurn<C extends ClaimCandidate>(candidates: C[], rotation: ClaimRotation): C[] {
  const tenants = groupByTenant(candidates);
  return startingAfter([...tenants.keys()], (id) => id, rotation.tenant).flatMap((tenantId) =>
    startingAfter(tenants.get(tenantId)!, (c) => c.subscriptionId, rotation.subscriptionOf.get(tenantId)),
  );
}

/**
 * The rotation after a claim whose first round gave `shares` to the candidates in turn order
 * `ordered`: the next claim starts after the last tenant served if some tenant got nothing, and
 * within a tenant after its last subscription served if some of its got nothing.
 */
export function nextRotation(ordered: ClaimCandidate[], shares: Map<string, number>, rotation: ClaimRotation): ClaimRotation {
  const lastServed = new Map<string, string>();
  const leftOut = new Set<string>();
  let lastTenant = '';
  for (const candidate of ordered) {
    if (shares.has(candidate.subscriptionId)) {
      lastServed.set(candidate.tenantId, candidate.subscriptionId);
      lastTenant = candidate.tenantId;
    } else {
      leftOut.add(candidate.tenantId);
    }
  }
  const subscriptionOf = new Map<string, string>();
  for (const candidate of ordered) {
    const tenantId = candidate.tenantId;
    const served = lastServed.get(tenantId);
    // Partly served: resume after its last served subscription. Not served: keep its cursor.
    // Fully served (or gone from the candidates): start again from its first subscription.
    if (served !== undefined && leftOut.has(tenantId)) subscriptionOf.set(tenantId, served);
    else if (served === undefined && rotation.subscriptionOf.has(tenantId)) subscriptionOf.set(tenantId, rotation.subscriptionOf.get(tenantId)!);
  }
  const tenantsLeftOut = [...leftOut].some((tenantId) => !lastServed.has(tenantId));
  return { tenant: tenantsLeftOut ? lastTenant : '', subscriptionOf };
}

/**
 * One claimer's turns, the same on both stores: where its scan of candidates starts (the scan
 * looks at CLAIM_SCAN_SUBSCRIPTIONS subscriptions at most; when it had to stop there, the next
 * claim scans the ones after), and the tenant-then-subscription round robin of the shares.
 */
export class ClaimTurns {
  #rotation = newRotation();
  #scanAfter = '';

  /** The subscription id this claim's scan starts after. */
  get scanAfter(): string {
    return this.#scanAfter;
  }

  /** Whether the scan must also look from the start: it began after some id and stopped short of its cap. */
  wraps(found: ClaimCandidate[]): boolean {
    return this.#scanAfter !== '' && found.length < CLAIM_SCAN_SUBSCRIPTIONS;
  }

  /** The scanned candidates (with those from the start up to the scan's beginning, when it wrapped), in turn order. */
  order<C extends ClaimCandidate>(found: C[], fromStart: C[] = []): C[] {
    const before = fromStart.filter((c) => c.subscriptionId <= this.#scanAfter);
    const last = (scan: ClaimCandidate[]) => (scan.length >= CLAIM_SCAN_SUBSCRIPTIONS ? scan.at(-1)!.subscriptionId : '');
    // A scan that stopped at its cap goes on from there next time; one that saw everything starts again from the start.
    const wrappedTo = last(fromStart);
    this.#scanAfter = last(found) || (wrappedTo !== '' && wrappedTo < this.#scanAfter ? wrappedTo : '');
    return inTurn([...found, ...before], this.#rotation);
  }

  /** Records the first round's shares of the candidates `order` returned: the next claim's turns start after those served. */
  served(ordered: ClaimCandidate[], shares: Map<string, number>): void {
    this.#rotation = nextRotation(ordered, shares, this.#rotation);
  }
}
