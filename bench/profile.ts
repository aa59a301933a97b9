// `node dist/bench/profile.js [--batch]`: CPU profiles (node --cpu-prof) of `hookpost serve` under
// the single-publish load (64 callers) or the batch load, written to bench/profiles/. Separate
// from `npm run bench` because profiling slows the server down.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HookpostServer, Receiver } from './processes.js';
import { SIZES } from './sizes.js';
import { throughput } from './throughput.js';

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
  const measured = await throughput({ sizes: SIZES.full, receiver }, { kind: 'publish', base: server.base, token, tenant, type: 'bench.order.created', total, callers: batch === 1 ? 64 : 4, batch });
  console.log(`${measured.method} events, batch ${batch}: ${Math.round(measured.rate)} delivered/s end to end; statuses ${JSON.stringify(measured.report.statuses)}`);
} finally {
  await server.stop();
  receiver.stop();
}
console.log(`profiles in ${dir}`);
