// `node dist/bench/thread-cpu.js [--batch]`: CPU time per event of each thread of `hookpost serve`
// (Linux /proc/<pid>/task/*/stat) under the single-publish load (64 callers) or the batch load
// (4 callers × 500 events), warm-up included, with the end-to-end rate and how many deliveries
// were handed off by the publishes and how many claimed. CPU per event varies far
// less with the machine's other load than events per second do, so two builds compare better by
// it (BENCH_HOOKPOST_ROOT picks the build, as for `npm run bench`). BENCH_EVENTS sets the count.
import { readFileSync, readdirSync } from 'node:fs';
import { request } from 'undici';
import { ADMIN_TOKEN, HookpostServer, Receiver } from './processes.js';
import { SIZES } from './sizes.js';
import { throughput, warmUpFor } from './throughput.js';

const batch = process.argv.includes('--batch') ? 500 : 1;
const total = Number(process.env.BENCH_EVENTS ?? 20_000);
const TYPE = 'bench.order.created';

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

const receiver = await Receiver.start();
const server = await HookpostServer.start();
try {
  const pid = server.child.pid!;
  await server.call('POST', '/v1/event-types', { name: TYPE });
  const tenant = (await server.call('POST', '/v1/tenants', { name: 'bench' })).id as string;
  const token = (await server.call('POST', `/v1/tenants/${tenant}/api-keys`, {})).key as string;
  await server.call('POST', `/v1/tenants/${tenant}/subscriptions`, { url: receiver.url(), event_types: [TYPE] });
  const sizes = SIZES.quick;
  const events = total + warmUpFor(sizes, total);
  const before = threadTicks(pid);
  const measured = await throughput({ sizes, receiver }, { kind: 'publish', base: server.base, token, tenant, type: TYPE, total, callers: batch === 1 ? 64 : 4, batch });
  const after = threadTicks(pid);
  console.log(`${measured.method} events, batch ${batch}: ${Math.round(measured.rate)} delivered/s end to end; statuses ${JSON.stringify(measured.report.statuses)}`);
  const used = [...after].map(([tid, ticks]) => ({ tid, seconds: (ticks - (before.get(tid) ?? 0)) / 100 })).sort((a, b) => b.seconds - a.seconds);
  for (const { tid, seconds } of used.filter((u) => u.seconds > 0)) {
    // The process's first thread runs the API; the busiest other one is the delivery thread.
    const name = tid === pid ? 'API (main) thread' : `thread ${tid}`;
    console.log(`  ${name}: ${seconds.toFixed(2)} s CPU, ${Math.round((seconds * 1e6) / events)} µs per event (${events.toLocaleString('en')} events)`);
  }
  console.log(`  deliveries taken: ${await takenByPath(server)}`);
} finally {
  await server.stop();
  receiver.stop();
}
