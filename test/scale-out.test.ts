import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { clusterEnv, runPool, startCluster, type Cluster } from './support/cluster.js';
import { startCountingReceiver, type CountingReceiver } from './support/counting-receiver.js';
import { postgresBinDir, startPrivatePostgres, type PrivatePostgres } from './support/private-postgres.js';
import { postgresServerUrl, testStores } from './support/stores.js';

// Scale-out on PostgreSQL with real processes: `hookpost api` and `hookpost worker` from dist/,
// a real receiver, a real database. The 20,000-event test costs about 2.6 ms of Node CPU per event
// across all processes (measured), plus PostgreSQL's share, so it is CPU-bound: about a minute on
// an idle two-core machine, 90 s to 4 min on one shared with other test runs. So the waits fail on
// a stall (no progress for 30 s), not on a deadline, and the hard timeouts are generous.

const postgres = testStores().find((store) => store.name === 'postgres');
const CONCURRENCY = 16;

describe.skipIf(!postgresServerUrl())('scale-out on PostgreSQL (real processes)', () => {
  let cluster: Cluster | undefined;
  let receiver: CountingReceiver | undefined;
  let server: PrivatePostgres | undefined;
  afterEach(async () => {
    await cluster?.stop();
    await receiver?.close();
    server?.destroy();
    cluster = receiver = server = undefined;
  }, 60_000);

  async function countByStatus(databaseUrl: string): Promise<Record<string, number>> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM deliveries GROUP BY status');
      return Object.fromEntries(rows.map((row) => [row.status, row.n]));
    } finally {
      await client.end();
    }
  }

  /** Waits until `count` deliveries succeeded; fails only when none succeeded for `stallMs` (a stall, not a slow machine). */
  async function allSucceeded(databaseUrl: string, count: number, stallMs = 30_000): Promise<void> {
    let seen = -1;
    let lastProgress = Date.now();
    for (;;) {
      const counts = await countByStatus(databaseUrl);
      const succeeded = counts.succeeded ?? 0;
      if (succeeded === count) return;
      if (succeeded > seen) [seen, lastProgress] = [succeeded, Date.now()];
      if (Date.now() - lastProgress > stallMs) throw new Error(`no delivery succeeded for ${stallMs} ms; by status: ${JSON.stringify(counts)}`);
      await sleep(200);
    }
  }

  it('2 APIs and 3 workers deliver 20,000 events although a worker is SIGKILLed midway; duplicates stay within what it held', async () => {
    const TOTAL = 20_000;
    const databaseUrl = await postgres!.freshDatabaseUrl();
    receiver = await startCountingReceiver();
    cluster = await startCluster({
      env: clusterEnv(databaseUrl, { HOOKPOST_DELIVERY_CONCURRENCY: String(CONCURRENCY) }),
      apis: 2,
      workers: 3,
      receiverUrl: receiver.url,
    });
    const { apis, workers } = cluster;
    const victim = workers[0]!;
    const acked: string[] = [];
    const refused: number[] = [];
    let killedAt = -1;
    let victimAttempts = 0;

    const started = Date.now();
    await runPool(TOTAL, 32, async (i) => {
      const answer = await cluster!.publish(apis[i % apis.length]!, { n: i });
      if (answer.id) acked.push(answer.id);
      else refused.push(answer.status);
      // Midway through publishing, and once deliveries are flowing, the first worker dies without warning.
      if (killedAt < 0 && acked.length >= TOTAL / 2 && receiver!.accepted.size > 1000) {
        killedAt = acked.length;
        victimAttempts = await victim.metric('hookpost_delivery_attempts_total');
        void victim.kill('SIGKILL');
      }
    });
    const published = Date.now();
    expect(refused).toEqual([]);
    expect(acked).toHaveLength(TOTAL);
    expect(killedAt).toBeGreaterThan(0);
    expect(victimAttempts).toBeGreaterThan(0); // it was delivering when it died

    await allSucceeded(databaseUrl, TOTAL);
    const delivered = Date.now();
    expect(new Set(receiver.accepted.keys())).toEqual(new Set(acked));
    const duplicated = [...receiver.received.values()].filter((n) => n > 1).length;
    // Only what the dead worker held (claimed, at most twice its concurrency) can have been sent twice.
    expect(duplicated).toBeLessThanOrEqual(2 * CONCURRENCY);
    for (const worker of workers.slice(1)) expect(worker.child.exitCode).toBeNull();
    console.info(
      `scale-out: ${TOTAL} events published in ${published - started} ms, all delivered ${delivered - started} ms after the start; ` +
        `worker killed after ${killedAt} acks having made ${victimAttempts} attempts; ${duplicated} ids delivered twice (bound ${2 * CONCURRENCY})`,
    );
  }, 600_000);

  it('two live workers never send the same delivery at the same time', async () => {
    const TOTAL = 2_000;
    const databaseUrl = await postgres!.freshDatabaseUrl();
    // Slow answers keep many deliveries in flight at once; every fourth event fails once, so retries are claimed too.
    receiver = await startCountingReceiver((id, nth) => ({ status: nth === 1 && id.charCodeAt(id.length - 1) % 4 === 0 ? 500 : 200, delayMs: 20 + (nth % 3) * 15 }));
    cluster = await startCluster({
      env: clusterEnv(databaseUrl, { HOOKPOST_DELIVERY_CONCURRENCY: '8', HOOKPOST_RETRY_SCHEDULE: '0,100ms,100ms,100ms' }),
      apis: 1,
      workers: 2,
      receiverUrl: receiver.url,
    });
    const acked: string[] = [];
    await runPool(TOTAL, 16, async (i) => {
      const answer = await cluster!.publish(cluster!.apis[0]!, { n: i });
      if (answer.id) acked.push(answer.id);
    });
    expect(acked).toHaveLength(TOTAL);
    await allSucceeded(databaseUrl, TOTAL);

    expect(receiver.overlaps).toEqual([]);
    // While both live, each delivery is accepted exactly once.
    expect([...receiver.accepted.values()].every((n) => n === 1)).toBe(true);
    expect(receiver.accepted.size).toBe(TOTAL);
    const retried = [...receiver.received.values()].filter((n) => n > 1).length;
    expect(retried).toBeGreaterThan(0);
    const attempts = await Promise.all(cluster.workers.map((w) => w.metric('hookpost_delivery_attempts_total')));
    expect(attempts.every((n) => n > 0)).toBe(true); // both took part
  }, 300_000);

  it.skipIf(!postgresBinDir() && process.env.CI !== 'true')(
    'rides out a PostgreSQL restart under load: 503 with Retry-After while it is down, never 500, and every acknowledged event delivered',
    async () => {
      server = await startPrivatePostgres();
      receiver = await startCountingReceiver();
      cluster = await startCluster({
        env: clusterEnv(server.url, { HOOKPOST_DELIVERY_CONCURRENCY: String(CONCURRENCY) }),
        apis: 1,
        workers: 2,
        receiverUrl: receiver.url,
      });
      const acked: string[] = [];
      const statuses = new Map<number, number>();
      let missingRetryAfter = 0;
      let phase = 'before' as 'before' | 'down' | 'after' | 'done';
      const publishedIn = { before: 0, down: 0, after: 0 };
      const load = runPool(Number.MAX_SAFE_INTEGER, 8, async (i) => {
        const during = phase;
        if (during === 'done') throw new Stop();
        const answer = await cluster!.publish(cluster!.apis[0]!, { n: i }).catch((error: Error) => ({ status: -1, error }));
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if ('id' in answer && answer.id) {
          acked.push(answer.id);
          publishedIn[during] += 1;
        }
        if (answer.status === 503 && !('retryAfter' in answer && answer.retryAfter)) missingRetryAfter += 1;
      }).catch((error) => {
        if (!(error instanceof Stop)) throw error;
      });

      await sleep(2_000);
      phase = 'down';
      server.stop();
      await sleep(3_000);
      server.start();
      phase = 'after';
      // Keep publishing until acknowledgements flow again, and a while longer.
      const resumed = acked.length;
      const deadline = Date.now() + 20_000;
      while (acked.length < resumed + 500 && Date.now() < deadline) await sleep(100);
      phase = 'done';
      await load;

      expect(statuses.get(500) ?? 0).toBe(0);
      expect(statuses.get(-1) ?? 0).toBe(0); // the API process never dropped a connection
      expect([...statuses.keys()].sort()).toEqual([202, 503]);
      expect(missingRetryAfter).toBe(0);
      expect(publishedIn.before).toBeGreaterThan(0);
      expect(publishedIn.after).toBeGreaterThan(0);

      await receiver.waitForAccepted(acked, 30_000).catch(async (error: Error) => {
        // Say where the missing deliveries stand, to tell a loss from a stall.
        const missing = acked.filter((id) => !receiver!.accepted.has(id));
        const client = new pg.Client({ connectionString: server!.url });
        await client.connect();
        const { rows } = await client.query('SELECT event_id, status, attempt_count, due_at, lease_owner FROM deliveries WHERE event_id = ANY($1)', [missing]);
        await client.end();
        throw new Error(`${error.message}\n${JSON.stringify(rows)}\nnow ${Date.now()}`);
      });
      const accepted = new Set(receiver.accepted.keys());
      expect(acked.filter((id) => !accepted.has(id))).toEqual([]);
      for (const process of [...cluster.apis, ...cluster.workers]) expect(process.child.exitCode).toBeNull();
      console.info(`restart: ${JSON.stringify(Object.fromEntries(statuses))} answers; ${acked.length} acknowledged events all delivered`);
    },
    300_000,
  );
});

class Stop extends Error {}
