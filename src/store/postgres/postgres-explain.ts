import type { PostgresDb } from './postgres-db.js';
import { DUE_BACKLOG } from './postgres-operations.js';
import { PARK, UNPARK } from './postgres-parking.js';
import { CLAIM, CLAIM_CANDIDATES, SELECT_STREAM, TAKE_PROBES, listDeliveriesStatement } from './postgres-queue.js';

/**
 * EXPLAIN of each hot statement, by name. Sequential scans are switched off for the session, so
 * that on a small table a plan still shows a sequential scan only where no index could serve
 * (the planner prefers one on few rows, which would hide a missing index).
 */
export async function explainPostgresHotQueries(db: PostgresDb): Promise<Record<string, string>> {
  return db.session(async (client) => {
    await client.query('SET enable_seqscan = off');
    try {
      const plan = async (sql: string, values: unknown[]) =>
        (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, values)).rows.map((row) => row['QUERY PLAN']).join('\n');
      const page = (query: Parameters<typeof listDeliveriesStatement>[0]) => {
        const statement = listDeliveriesStatement(query);
        return plan(statement.text, ['t', '\uffff', 50, ...statement.values(query)]);
      };
      return {
        claimCandidates: await plan(CLAIM_CANDIDATES, ['', 0, 1000, 'o']),
        takeProbe: await plan(TAKE_PROBES, [['s'], 0, 0]),
        claimShare: await plan(CLAIM, ['o', 0, 0, ['s'], [64]]),
        // One statement claims every share here, small shares (SQLite's CLAIM_SMALL_SHARES) included.
        claimSmallShares: await plan(CLAIM, ['o', 0, 0, ['s', 't'], [1, 3]]),
        listByStatus: await page({ status: 'succeeded' }),
        listBySubscription: await page({ subscriptionId: 's' }),
        listByEvent: await page({ eventId: 'e' }),
        subscriptionStream: await plan(SELECT_STREAM, ['t', 's', '', 50]),
        park: await plan(PARK, ['s', 2000]),
        unpark: await plan(UNPARK, ['s', 2000]),
        dueBacklog: await plan(DUE_BACKLOG, [0]),
      };
    } finally {
      await client.query('RESET enable_seqscan');
    }
  });
}
