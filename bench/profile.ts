// `node dist/bench/profile.js [--batch]`: CPU profiles (node --cpu-prof) of `hookpost serve` under
// the single-publish load (64 callers) or the batch load, written to bench/profiles/. Separate
// from `npm run bench` because profiling slows the server down.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HookpostServer, Receiver, runLoad } from './processes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.resolve(here, '../../bench/profiles');
mkdirSync(dir, { recursive: true });
const batch = process.argv.includes('--batch') ? 500 : 1;
const total = Number(process.env.BENCH_EVENTS ?? 20_000);

const receiver = await Receiver.start();
const server = await HookpostServer.start({}, undefined, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
try {
  await server.call('POST', '/v1/event-types', { name: 'bench.order.created' });
  const tenant = (await server.call('POST', '/v1/tenants', { name: 'bench' })).id as string;
  const token = (await server.call('POST', `/v1/tenants/${tenant}/api-keys`, {})).key as string;
  await server.call('POST', `/v1/tenants/${tenant}/subscriptions`, { url: receiver.url(), event_types: ['bench.order.created'] });
  const report = await runLoad({ kind: 'publish', base: server.base, token, tenant, type: 'bench.order.created', total, callers: batch === 1 ? 64 : 4, batch });
  const seconds = await receiver.waitFor(total, report.startedAt);
  console.log(`${total} events, batch ${batch}: ${Math.round(total / seconds)} delivered/s end to end; statuses ${JSON.stringify(report.statuses)}`);
} finally {
  await server.stop();
  receiver.stop();
}
console.log(`profiles in ${dir}`);
