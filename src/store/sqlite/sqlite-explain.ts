import type Database from 'better-sqlite3';
import { DUE_BACKLOG } from './sqlite-operations.js';
import { PARK, UNPARK } from './sqlite-parking.js';
import { CLAIM_CANDIDATES, CLAIM_SHARE, CLAIM_SMALL_SHARES, SUBSCRIPTION_STREAM, TAKE_PROBE, deliveryPageSql } from './sqlite-queue.js';

/** EXPLAIN QUERY PLAN of each hot statement, by name: what the indexes are checked against. */
export function explainSqliteHotQueries(db: Database.Database): Record<string, string> {
  const plan = (sql: string, params: unknown) =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((row) => row.detail).join('\n');
  const page = { tenantId: 't', before: '\uffff', limit: 50 };
  return {
    claimCandidates: plan(CLAIM_CANDIDATES, { after: '', now: 0, owner: 'o', scan: 1000 }),
    takeProbe: plan(TAKE_PROBE, { id: 's', now: 0, until: 0 }),
    claimShare: plan(CLAIM_SHARE, { owner: 'o', until: 0, now: 0, subscriptionId: 's', limit: 64 }),
    claimSmallShares: plan(CLAIM_SMALL_SHARES, { owner: 'o', until: 0, now: 0, shares: '[["s",3]]' }),
    listByStatus: plan(deliveryPageSql(['status = @status']), { ...page, status: 'succeeded' }),
    listBySubscription: plan(deliveryPageSql(['subscription_id = @subscriptionId']), { ...page, subscriptionId: 's' }),
    listByEvent: plan(deliveryPageSql(['event_id = @eventId']), { ...page, eventId: 'e' }),
    subscriptionStream: plan(SUBSCRIPTION_STREAM, { tenantId: 't', subscriptionId: 's', after: '', limit: 50 }),
    park: plan(PARK, ['s', 2000]),
    unpark: plan(UNPARK, ['s', 2000]),
    dueBacklog: plan(DUE_BACKLOG, { now: 0 }),
  };
}
