// How every throughput figure of the bench is measured: in steady state, the same way for raw
// undici, Hookpost and BullMQ. A fresh load process (and a fresh server, sender or receiver path)
// pays a fixed cold cost of about 0.6–0.9 s on the development VM: JIT, undici's and llhttp's
// first requests, connection set-up. Timed from its first request, 5,000 raw POSTs came out at
// 5,065/s and 50,000 at 19,891/s, while the marginal rate was 26–28k/s. So each job first sends a
// warm-up of the same shape in the same load process, waits until the receiver has everything the
// warm-up caused, resets the receiver and only then sends the measured items.
import type { LoadJob, LoadReport, LoadShape } from './load.js';
import { runLoad, type Receiver } from './processes.js';
import type { Sizes } from './sizes.js';

/** What a throughput job needs from the run. */
export interface Bench {
  sizes: Sizes;
  receiver: Receiver;
}

/** A job's shape and measured items; `warmUp` overrides warmUpFor. */
export type ThroughputJob = LoadShape & { total: number; warmUp?: number };

/** The warm-up for `total` measured items: 20 % of them, at least sizes.warmUpMin, at most `total`. */
export function warmUpFor(sizes: Sizes, total: number): number {
  return Math.min(total, Math.max(sizes.warmUpMin, Math.round(total * 0.2)));
}

/** How a figure was measured, for the results. */
export function describe(job: LoadJob): string {
  return `${job.warmUp.toLocaleString('en')} warm-up + ${job.total.toLocaleString('en')} measured`;
}

/**
 * Runs `job` warm: after its warm-up, waits until the receiver has counted `requestsPerItem`
 * requests for each warm-up item accepted, then resets it (and calls `warm`) before the measured items go out.
 */
export async function runWarm(bench: Bench, job: ThroughputJob, requestsPerItem = 1, warm?: () => void): Promise<{ report: LoadReport; job: LoadJob }> {
  const full: LoadJob = { ...job, warmUp: job.warmUp ?? warmUpFor(bench.sizes, job.total) };
  await bench.receiver.reset();
  const report = await runLoad(full, async (warmUp) => {
    await bench.receiver.waitFor(warmUp.accepted * requestsPerItem, warmUp.startedAt);
    await bench.receiver.reset();
    warm?.();
  });
  return { report, job: full };
}

export interface Throughput {
  /** Measured items accepted per second, from the first measured request until the receiver counted all they caused. */
  rate: number;
  seconds: number;
  report: LoadReport;
  /** How it was measured (warm-up and measured counts). */
  method: string;
}

/** The steady throughput of `job`: each accepted item causes `requestsPerItem` requests to the receiver. `warm` is called once warmed up. */
export async function throughput(bench: Bench, job: ThroughputJob, requestsPerItem = 1, warm?: () => void): Promise<Throughput> {
  const { report, job: full } = await runWarm(bench, job, requestsPerItem, warm);
  const seconds = await bench.receiver.waitFor(report.accepted * requestsPerItem, report.startedAt);
  return { rate: report.accepted / seconds, seconds, report, method: describe(full) };
}

/** In flight for raw undici POSTs, as Hookpost's outbound pool and the BullMQ sender use. */
const RAW_IN_FLIGHT = 64;

/**
 * Raw undici POSTs to the receiver, measured warm: by default at least as many as the largest job
 * the raw rate is compared with, so that it is the steadier figure.
 */
export async function measureRaw(bench: Bench, total = Math.max(bench.sizes.rawPosts, bench.sizes.events)): Promise<Throughput> {
  const measured = await throughput(bench, { kind: 'raw', url: bench.receiver.url(), inFlight: RAW_IN_FLIGHT, total });
  return { ...measured, method: `${measured.method} POSTs, ${RAW_IN_FLIGHT} in flight` };
}
