// `node dist/bench/thread-cpu.js [--batch]`: CPU time per event of each thread of `hookpost serve`
// (Linux /proc/<pid>/task/*/stat) under the single-publish load (64 callers) or the batch load
// (4 callers × 500 events), warm-up included, with the end-to-end rate and how many deliveries
// were handed off by the publishes and how many claimed. CPU per event varies far
// less with the machine's other load than events per second do, so two builds compare better by
// it (BENCH_HOOKPOST_ROOT picks the build, as for `npm run bench`). BENCH_EVENTS sets the count.
// Each thread's line also gives its CPU in the measured part alone (warm-up excluded): the
// threads other than the API's and the delivery thread's are V8's platform workers, which spend
// most of a short run compiling hot functions (TurboFan) once per start, so their figure per
// event falls as runs get longer (docs/performance.md, "The other threads' CPU").
// `--fanout[=N]`: instead, the CPU of each thread per fan-out of one event to N subscriptions
// (10,000 by default; the bench's seeded tenant on one receiver), for each of BENCH_EVENTS (5) such
// events published one after another to a fresh server, the first after start included.
// BENCH_NODE_ARGS: arguments for the server's `node` (space-separated), e.g. `--trace-gc`; BENCH_SERVER_ENV: its settings.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { ADMIN_TOKEN, HookpostServer, Receiver } from './processes.js';
import { seed } from './seed.js';
import { SIZES } from './sizes.js';
import { throughput, warmUpFor, type ThroughputJob } from './throughput.js';

const batch = process.argv.includes('--batch') ? 500 : 1;
const total = Number(process.env.BENCH_EVENTS ?? 20_000);
const TYPE = 'bench.order.created';
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
// BENCH_SERVER_ENV: settings for the server (space-separated NAME=value), e.g. `HOOKPOST_ENDPOINT_CONCURRENCY=64`.
const serverEnv = Object.fromEntries((process.env.BENCH_SERVER_ENV ?? '').split(' ').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));

/** CPU clock ticks (user + system) each thread of `pid` has used so far, by thread id. */
function threadTicks(pid: number): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // After the command name (which may hold spaces): utime is the 14th field, stime the 15th.
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      ticks.set(Number(tid), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return ticks;
}

/** How the engine took its deliveries (hookpost_deliveries_taken_total): claimed, or handed off by the publish. */
async function takenByPath(server: HookpostServer): Promise<string> {
  // The delivery thread folds its metrics into the API's /metrics once a second.
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  const response = await request(`${server.base}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const text = await response.body.text();
  return [...text.matchAll(/^hookpost_deliveries_taken_total\{path="(\w+)"\} (\d+)/gm)].map(([, path, count]) => `${path} ${count}`).join(', ');
}

/** CPU seconds each thread used between two readings, busiest first. */
function used(before: Map<number, number>, after: Map<number, number>) {
  return [...after].map(([tid, ticks]) => ({ tid, seconds: (ticks - (before.get(tid) ?? 0)) / 100 })).sort((a, b) => b.seconds - a.seconds);
}

async function fanOuts(subscriptions: number, events: number): Promise<void> {
  const receiver = await Receiver.start();
  const data = mkdtempSync(path.join(os.tmpdir(), 'hookpost-fanout-cpu-'));
  await seed({ databaseUrl: `sqlite:${path.join(data, 'hookpost.db')}`, type: TYPE, url: receiver.url(), tenants: 1, subscriptionsPerTenant: subscriptions });
  const server = await HookpostServer.start(serverEnv, data, nodeArgs);
  try {
    const pid = server.child.pid!;
    await server.call('POST', '/v1/event-types', { name: TYPE });
    const token = (await server.call('POST', '/v1/tenants/t0/api-keys', {})).key as string;
    for (let n = 1; n <= events; n += 1) {
      await receiver.reset();
      const before = threadTicks(pid);
      const started = performance.timeOrigin + performance.now();
      await server.call('POST', '/v1/tenants/t0/events', { type: TYPE, data: { order_id: `fan-${n}` } }, token);
      const seconds = await receiver.waitFor(subscriptions, started);
      const threads = used(before, threadTicks(pid)).filter((u) => u.seconds > 0);
      const cpu = threads.map(({ tid, seconds }) => `${tid === pid ? 'API' : tid} ${seconds.toFixed(2)}`).join(', ');
      console.log(`fan-out ${n}: ${subscriptions} delivered in ${seconds.toFixed(2)} s; CPU s by thread: ${cpu}`);
    }
  } finally {
    await server.stop();
    receiver.stop();
  }
}

const fanOutArg = process.argv.find((arg) => arg.startsWith('--fanout'));
if (fanOutArg !== undefined) {
  await fanOuts(Number(fanOutArg.split('=')[1] ?? 10_000), Number(process.env.BENCH_EVENTS ?? 5));
  process.exit(0);
}

const receiver = await Receiver.start();
const server = await HookpostServer.start(serverEnv, undefined, nodeArgs);
try {
  const pid = server.child.pid!;
  await server.call('POST', '/v1/event-types', { name: TYPE });
  const tenant = (await server.call('POST', '/v1/tenants', { name: 'bench' })).id as string;
  const token = (await server.call('POST', `/v1/tenants/${tenant}/api-keys`, {})).key as string;
  await server.call('POST', `/v1/tenants/${tenant}/subscriptions`, { url: receiver.url(), event_types: [TYPE] });
  const sizes = SIZES.quick;
  const events = total + warmUpFor(sizes, total);
  const before = threadTicks(pid);
  let warm = before;
  const job: ThroughputJob = { kind: 'publish', base: server.base, token, tenant, type: TYPE, total, callers: batch === 1 ? 64 : 4, batch };
  const measured = await throughput({ sizes, receiver }, job, 1, () => (warm = threadTicks(pid)));
  const after = threadTicks(pid);
  console.log(`${measured.method} events, batch ${batch}: ${Math.round(measured.rate)} delivered/s end to end; statuses ${JSON.stringify(measured.report.statuses)}`);
  const measuredPart = new Map(used(warm, after).map(({ tid, seconds }) => [tid, seconds]));
  const perEvent = (seconds: number, count: number) => Math.round((seconds * 1e6) / count);
  const threads = used(before, after).filter((u) => u.seconds > 0);
  for (const { tid, seconds } of threads) {
    // The process's first thread runs the API; the busiest other one is the delivery thread.
    const name = tid === pid ? 'API (main) thread' : `thread ${tid}`;
    const inMeasured = measuredPart.get(tid) ?? 0;
    console.log(
      `  ${name}: ${seconds.toFixed(2)} s CPU, ${perEvent(seconds, events)} µs per event (${events.toLocaleString('en')} events); ` +
        `measured part ${inMeasured.toFixed(2)} s, ${perEvent(inMeasured, total)} µs per event`,
    );
  }
  // V8's platform workers: every thread but the API's and the busiest other one.
  const platform = threads.filter(({ tid }) => tid !== pid).slice(1);
  const sum = (pick: (tid: number, seconds: number) => number) => platform.reduce((s, { tid, seconds }) => s + pick(tid, seconds), 0);
  console.log(
    `  the other ${platform.length} threads together: ${perEvent(sum((_, s) => s), events)} µs per event; ` +
      `measured part ${perEvent(sum((tid) => measuredPart.get(tid) ?? 0), total)} µs per event`,
  );
  console.log(`  deliveries taken: ${await takenByPath(server)}`);
} finally {
  await server.stop();
  receiver.stop();
}
