import { describe, expect, it } from 'vitest';
import { claimShares, nextRound, type ClaimCandidate } from './claim-shares.js';
import { ClaimTurns, inTurn, newRotation, nextRotation } from './claim-turns.js';

// The pure part of the claim: how one claim's window is split (tenants first, then their
// subscriptions) and where the next claim's round robin starts. Candidates here are plain values.

const candidate = (tenantId: string, subscriptionId: string, room = 64): ClaimCandidate => ({ tenantId, subscriptionId, room });
/** Tenant `tenantId` with `count` subscriptions `<tenantId>-00` …, each with `room`. */
const tenant = (tenantId: string, count: number, room = 64) =>
  Array.from({ length: count }, (_, i) => candidate(tenantId, `${tenantId}-${String(i).padStart(2, '0')}`, room));
const total = (shares: Map<string, number>, prefix: string) =>
  [...shares].filter(([id]) => id.startsWith(prefix)).reduce((sum, [, n]) => sum + n, 0);

describe('claimShares', () => {
  it('splits the window equally between tenants, however many subscriptions each has', () => {
    const shares = claimShares([...tenant('a', 50), candidate('b', 'b-00')], 100);
    expect(total(shares, 'b-')).toBe(50);
    expect(total(shares, 'a-')).toBe(50);
    // Within tenant a, its 50 subscriptions share its half: one each.
    expect([...shares].filter(([id]) => id.startsWith('a-')).every(([, n]) => n === 1)).toBe(true);
  });

  it('gives what a tenant cannot use to the others, never more than a subscription’s room', () => {
    const shares = claimShares([...tenant('a', 3, 64), candidate('b', 'b-00', 5)], 100);
    expect(shares.get('b-00')).toBe(5);
    expect(total(shares, 'a-')).toBe(95);
    expect(Math.max(...[...shares].filter(([id]) => id.startsWith('a-')).map(([, n]) => n))).toBeLessThanOrEqual(64);
    expect(claimShares([candidate('a', 'a-00', 3), candidate('b', 'b-00', 2)], 100)).toEqual(new Map([['a-00', 3], ['b-00', 2]]));
  });

  it('gives a tenant with due work at least one even when its share rounds to nothing, first tenants first', () => {
    const shares = claimShares([candidate('a', 'a-00'), candidate('b', 'b-00'), candidate('c', 'c-00')], 2);
    expect(shares).toEqual(new Map([['a-00', 1], ['b-00', 1]]));
  });

  it('splits a tenant’s share between its subscriptions as the claim used to split the window', () => {
    const shares = claimShares([candidate('a', 'a-00', 2), candidate('a', 'a-01', 64), candidate('a', 'a-02', 64)], 30);
    expect(shares).toEqual(new Map([['a-00', 2], ['a-01', 14], ['a-02', 14]]));
  });

  it('skips subscriptions without room and gives nothing when the limit is zero', () => {
    expect(claimShares([candidate('a', 'a-00', 0), candidate('b', 'b-00', 1)], 10)).toEqual(new Map([['b-00', 1]]));
    expect(claimShares(tenant('a', 3), 0).size).toBe(0);
  });

  it('keeps the tenant on the candidates of the next round', () => {
    const open = [candidate('a', 'a-00', 10), candidate('b', 'b-00', 10)];
    const next = nextRound(open, new Map([['a-00', 4], ['b-00', 4]]), new Map([['a-00', 4], ['b-00', 1]]));
    expect(next).toEqual([candidate('a', 'a-00', 6)]);
  });
});

describe('claim turns', () => {
  it('orders tenants and their subscriptions by id, each after its cursor, wrapping round', () => {
    const candidates = [candidate('b', 'b-1'), candidate('a', 'a-1'), candidate('a', 'a-2'), candidate('c', 'c-1'), candidate('a', 'a-3')];
    const rotation = { tenant: 'a', subscriptionOf: new Map([['a', 'a-1']]) };
    expect(inTurn(candidates, rotation).map((c) => c.subscriptionId)).toEqual(['b-1', 'c-1', 'a-2', 'a-3', 'a-1']);
    expect(inTurn(candidates, newRotation()).map((c) => c.subscriptionId)).toEqual(['a-1', 'a-2', 'a-3', 'b-1', 'c-1']);
  });

  it('starts the next claim with the tenants a claim left out, and within a tenant with the subscriptions it left out', () => {
    const ordered = [candidate('a', 'a-1'), candidate('a', 'a-2'), candidate('b', 'b-1'), candidate('c', 'c-1')];
    const after = nextRotation(ordered, new Map([['a-1', 1], ['b-1', 1]]), newRotation());
    expect(after.tenant).toBe('b');
    expect(after.subscriptionOf).toEqual(new Map([['a', 'a-1']]));
    // Everyone served: the next claim starts from the beginning again.
    expect(nextRotation(ordered, new Map(ordered.map((c) => [c.subscriptionId, 1])), after)).toEqual(newRotation());
  });

  it('serves every tenant in turn when each claim has one slot, however many subscriptions a tenant has', () => {
    const turns = new ClaimTurns();
    const candidates = [...tenant('a', 50), candidate('b', 'b-00'), candidate('c', 'c-00')];
    const servedTenants: string[] = [];
    const servedOfA = new Set<string>();
    for (let claim = 0; claim < 60; claim += 1) {
      const ordered = turns.order(candidates);
      const shares = claimShares(ordered, 1);
      turns.served(ordered, shares);
      const [id] = [...shares.keys()];
      servedTenants.push(id!.split('-')[0]!);
      if (id!.startsWith('a-')) servedOfA.add(id!);
    }
    expect(servedTenants.slice(0, 6)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    expect(servedTenants.filter((t) => t === 'b')).toHaveLength(20);
    // Tenant a's turns go round its subscriptions: 20 turns, 20 different subscriptions.
    expect(servedOfA.size).toBe(20);
  });

  it('scans on after a scan that stopped at its cap, and from the start once a scan saw everything', () => {
    const turns = new ClaimTurns();
    const full = Array.from({ length: 1_000 }, (_, i) => candidate('a', `s${String(i).padStart(4, '0')}`));
    expect(turns.scanAfter).toBe('');
    turns.order(full);
    expect(turns.scanAfter).toBe('s0999');
    const rest = [candidate('a', 's1000')];
    expect(turns.wraps(rest)).toBe(true);
    // Wrapped: the ones from the start up to the scan's start come too, once each.
    const ordered = turns.order(rest, full);
    expect(ordered).toHaveLength(1_001);
    expect(turns.scanAfter).toBe('');
    expect(turns.wraps(rest)).toBe(false);
  });

  it('goes on from where a wrapped scan stopped when that scan too stopped at its cap before the first one’s start', () => {
    const turns = new ClaimTurns();
    const ids = Array.from({ length: 3_000 }, (_, i) => candidate('a', `s${String(i).padStart(4, '0')}`));
    turns.order(ids.slice(1_500, 2_500));
    expect(turns.scanAfter).toBe('s2499');
    const ordered = turns.order(ids.slice(2_500), ids.slice(0, 1_000));
    expect(ordered).toHaveLength(1_500);
    expect(turns.scanAfter).toBe('s0999');
  });
});
