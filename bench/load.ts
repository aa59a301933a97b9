// The load generator, run in its own process. The parent sends one job over IPC; this process
// sends the job's warm-up items and reports them, waits for the parent's 'go', sends the measured
// items the same way (same connections, callers, batch size and target) and reports those.
// A fresh process spends its first second or so compiling its hot paths, undici's and llhttp's
// first requests and opening connections; the warm-up keeps that out of every measured figure.
import { Pool } from 'undici';

/** How the load generator sends its items. */
export type LoadShape =
  | { kind: 'raw'; url: string; inFlight: number }
  | { kind: 'publish'; base: string; token: string; tenant: string; type: string; callers: number; batch: number; orderingKeys?: number }
  | { kind: 'steady'; base: string; token: string; tenant: string; type: string; perSecond: number; path?: string }
  | { kind: 'bullmq'; queue: string; callers: number };

/** What the load generator sends: `warmUp` items first (not measured), then `total` measured ones. */
export type LoadJob = LoadShape & { total: number; warmUp: number };

/** What one phase (the warm-up, or the measured items) sent and got back. */
export interface LoadReport {
  /** Epoch ms (with fractions) when the phase's first request went out. */
  startedAt: number;
  sent: number;
  /** Items the target took: 2xx answers, the `accepted` entries of a batch answer, jobs BullMQ added. */
  accepted: number;
  seconds: number;
  statuses: Record<string, number>;
}

/** Messages to the parent: the warm-up's report (the parent answers 'go'), then the measured one. */
export type LoadMessage = { phase: 'warm-up' | 'measured'; report: LoadReport };

/** A 1 KiB payload; `sent_at` lets the receiver measure latency. */
export function payload(n: number): Record<string, unknown> {
  return { sent_at: performance.timeOrigin + performance.now(), order_id: `o_${n}`, customer: 'c_1', note: 'x'.repeat(940) };
}

/** Counts a phase's answers. */
class Tally {
  readonly statuses: Record<string, number> = {};
  accepted = 0;
  add(status: number | string, accepted: number): void {
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    this.accepted += accepted;
  }
}

/** Sends items `first` … `first + count - 1` of the job, counting the answers in `tally`. */
interface Sender {
  send(first: number, count: number, tally: Tally): Promise<void>;
  close(): Promise<void>;
}

/** `callers` concurrent loops, each sending the next `batch` items (fewer at the end) until `count` are sent. */
async function closedLoop(callers: number, batch: number, first: number, count: number, send: (from: number, size: number) => Promise<void>): Promise<void> {
  const end = first + count;
  let next = first;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < end) {
        const from = next;
        const size = Math.min(batch, end - from);
        next += size;
        await send(from, size);
      }
    }),
  );
}

async function bullmqSender(job: Extract<LoadJob, { kind: 'bullmq' }>): Promise<Sender> {
  const { Queue } = await import('bullmq');
  const queue = new Queue(job.queue, { connection: { host: '127.0.0.1', port: 6379 } });
  return {
    send: (first, count, tally) =>
      closedLoop(job.callers, 1, first, count, async (n) => {
        await queue.add('post', payload(n), { removeOnComplete: true, removeOnFail: true });
        tally.add('added', 1);
      }),
    close: () => queue.close(),
  };
}

function httpSender(job: Exclude<LoadJob, { kind: 'bullmq' }>): Sender {
  const target = new URL(job.kind === 'raw' ? job.url : job.base);
  const pool = new Pool(target.origin, { connections: job.kind === 'raw' ? Math.min(64, job.inFlight) : 64 });
  const headers = { 'content-type': 'application/json', ...(job.kind === 'raw' ? {} : { authorization: `Bearer ${job.token}` }) };
  /** One POST; a 2xx counts as one accepted item unless `acceptedIn` reads the count from the answer. */
  const post = async (tally: Tally, path: string, body: string, acceptedIn?: (answer: string) => number) => {
    try {
      const response = await pool.request({ path, method: 'POST', headers, body });
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      if (ok && acceptedIn) tally.add(response.statusCode, acceptedIn(await response.body.text()));
      else {
        await response.body.dump();
        tally.add(response.statusCode, ok ? 1 : 0);
      }
    } catch (error) {
      tally.add((error as Error).name, 0);
    }
  };
  const acceptedInBatch = (answer: string) => (JSON.parse(answer) as { data: Array<{ status: string }> }).data.filter((r) => r.status === 'accepted').length;
  const close = () => pool.close();
  switch (job.kind) {
    case 'raw':
      return {
        send: (first, count, tally) =>
          closedLoop(job.inFlight, 1, first, count, (n) => post(tally, target.pathname, JSON.stringify({ type: 'bench.order', timestamp: new Date().toISOString(), data: payload(n) }))),
        close,
      };
    case 'publish': {
      const single = `/v1/tenants/${job.tenant}/events`;
      // With orderingKeys, event n carries the key k<n mod orderingKeys> (for ordered subscriptions).
      const event = (n: number) => ({ type: job.type, data: payload(n), ...(job.orderingKeys ? { ordering_key: `k${n % job.orderingKeys}` } : {}) });
      return {
        send: (first, count, tally) =>
          closedLoop(job.callers, job.batch, first, count, (from, size) =>
            job.batch === 1
              ? post(tally, single, JSON.stringify(event(from)))
              : post(tally, `${single}/batch`, JSON.stringify({ events: Array.from({ length: size }, (_, i) => event(from + i)) }), acceptedInBatch),
          ),
        close,
      };
    }
    case 'steady': {
      const path = job.path ?? `/v1/tenants/${job.tenant}/events`;
      return {
        // Open loop: one publish every 1/perSecond s, whatever the answers do (no coordinated omission).
        async send(first, count, tally) {
          const started = performance.now();
          const interval = 1000 / job.perSecond;
          const inFlight: Promise<void>[] = [];
          for (let i = 0; i < count; i++) {
            const wait = started + i * interval - performance.now();
            if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
            inFlight.push(post(tally, path, JSON.stringify({ type: job.type, data: payload(first + i) })));
          }
          await Promise.all(inFlight);
        },
        close,
      };
    }
  }
}

async function phase(sender: Sender, first: number, count: number): Promise<LoadReport> {
  const tally = new Tally();
  const started = performance.now();
  await sender.send(first, count, tally);
  return { startedAt: performance.timeOrigin + started, sent: count, accepted: tally.accepted, seconds: (performance.now() - started) / 1000, statuses: tally.statuses };
}

const report = (message: LoadMessage) => new Promise<void>((resolve) => process.send?.(message, () => resolve()));

async function run(job: LoadJob): Promise<void> {
  const sender = job.kind === 'bullmq' ? await bullmqSender(job) : httpSender(job);
  const go = new Promise((resolve) => process.once('message', resolve));
  await report({ phase: 'warm-up', report: await phase(sender, 0, job.warmUp) });
  await go;
  const measured = await phase(sender, job.warmUp, job.total);
  await sender.close();
  await report({ phase: 'measured', report: measured });
}

process.on('disconnect', () => process.exit(0));
process.once('message', (job: LoadJob) => {
  run(job).then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
});
