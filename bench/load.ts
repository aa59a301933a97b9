// The load generator, run in its own process: the parent sends one job over IPC, this process
// runs it and answers with what it sent and the statuses it got back.
import { Pool } from 'undici';

/** What the load generator does. */
export type LoadJob =
  | { kind: 'raw'; url: string; total: number; inFlight: number }
  | { kind: 'publish'; base: string; token: string; tenant: string; type: string; total: number; callers: number; batch: number; orderingKeys?: number }
  | { kind: 'steady'; base: string; token: string; tenant: string; type: string; total: number; perSecond: number; path?: string }
  | { kind: 'bullmq'; queue: string; total: number; callers: number };

/** What came back. */
export interface LoadReport {
  /** Epoch ms (with fractions) when the first request went out: process start-up is not measured. */
  startedAt: number;
  sent: number;
  seconds: number;
  statuses: Record<string, number>;
}

/** A 1 KiB payload; `sent_at` lets the receiver measure latency. */
export function payload(n: number): Record<string, unknown> {
  return { sent_at: performance.timeOrigin + performance.now(), order_id: `o_${n}`, customer: 'c_1', note: 'x'.repeat(940) };
}

async function run(job: LoadJob): Promise<LoadReport> {
  const statuses: Record<string, number> = {};
  const count = (status: number | string) => (statuses[status] = (statuses[status] ?? 0) + 1);
  const started = performance.now();
  const startedAt = performance.timeOrigin + started;
  if (job.kind === 'bullmq') {
    const { Queue } = await import('bullmq');
    const queue = new Queue(job.queue, { connection: { host: '127.0.0.1', port: 6379 } });
    let next = 0;
    await Promise.all(
      Array.from({ length: job.callers }, async () => {
        while (next < job.total) {
          const n = next++;
          await queue.add('post', payload(n), { removeOnComplete: true, removeOnFail: true });
          count('added');
        }
      }),
    );
    await queue.close();
    return { startedAt, sent: job.total, seconds: (performance.now() - started) / 1000, statuses };
  }
  const target = new URL(job.kind === 'raw' ? job.url : job.base);
  const pool = new Pool(target.origin, { connections: job.kind === 'raw' ? Math.min(64, job.inFlight) : 64 });
  const headers = { 'content-type': 'application/json', ...(job.kind === 'raw' ? {} : { authorization: `Bearer ${job.token}` }) };
  let next = 0;
  const post = async (path: string, body: string) => {
    try {
      const response = await pool.request({ path, method: 'POST', headers, body });
      await response.body.dump();
      count(response.statusCode);
    } catch (error) {
      count((error as Error).name);
    }
  };
  if (job.kind === 'raw') {
    await Promise.all(
      Array.from({ length: job.inFlight }, async () => {
        while (next < job.total) {
          next += 1;
          await post(target.pathname, JSON.stringify({ type: 'bench.order', timestamp: new Date().toISOString(), data: payload(next) }));
        }
      }),
    );
  } else if (job.kind === 'publish') {
    const single = `/v1/tenants/${job.tenant}/events`;
    await Promise.all(
      Array.from({ length: job.callers }, async () => {
        while (next < job.total) {
          const size = Math.min(job.batch, job.total - next);
          const first = next;
          next += size;
          // With orderingKeys, event n carries the key k<n mod orderingKeys> (for ordered subscriptions).
          const event = (n: number) => ({ type: job.type, data: payload(n), ...(job.orderingKeys ? { ordering_key: `k${n % job.orderingKeys}` } : {}) });
          if (job.batch === 1) await post(single, JSON.stringify(event(first)));
          else {
            const events = Array.from({ length: size }, (_, i) => event(first + i));
            await post(`${single}/batch`, JSON.stringify({ events }));
          }
        }
      }),
    );
  } else {
    // Open loop: one publish every 1/perSecond s, whatever the answers do (no coordinated omission).
    const path = job.path ?? `/v1/tenants/${job.tenant}/events`;
    const interval = 1000 / job.perSecond;
    const inFlight: Promise<void>[] = [];
    for (let n = 0; n < job.total; n++) {
      const due = started + n * interval;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      inFlight.push(post(path, JSON.stringify({ type: job.type, data: payload(n) })));
    }
    await Promise.all(inFlight);
  }
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return { startedAt, sent: job.total, seconds, statuses };
}

process.on('disconnect', () => process.exit(0));
process.once('message', (job: LoadJob) => {
  run(job).then(
    (report) => process.send?.(report, () => process.exit(0)),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
});
