// `node dist/bench/profile-fanout.js [subscriptions] [events]`: CPU profiles (node --cpu-prof) of
// `hookpost serve` delivering fan-outs: one tenant with N subscriptions (10,000 by default) on one
// receiver, five events (or `events`; 1 profiles the first fan-out after start alone) published
// one after another, each timed until all N have arrived. Profiles of both
// threads go to bench/profiles/. Separate from `npm run bench` because profiling slows the server.
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HookpostServer, Receiver } from './processes.js';
import { seed } from './seed.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.resolve(here, '../../bench/profiles');
mkdirSync(dir, { recursive: true });
const subscriptions = Number(process.argv[2] ?? 10_000);
const events = Number(process.argv[3] ?? 5);
const type = 'bench.order.created';

const receiver = await Receiver.start();
const data = mkdtempSync(path.join(os.tmpdir(), 'hookpost-profile-'));
await seed({ databaseUrl: `sqlite:${path.join(data, 'hookpost.db')}`, type, url: receiver.url(), tenants: 1, subscriptionsPerTenant: subscriptions });
const server = await HookpostServer.start({}, data, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
try {
  await server.call('POST', '/v1/event-types', { name: type });
  const token = (await server.call('POST', '/v1/tenants/t0/api-keys', {})).key as string;
  for (let n = 1; n <= events; n += 1) {
    await receiver.reset();
    const started = performance.timeOrigin + performance.now();
    await server.call('POST', '/v1/tenants/t0/events', { type, data: { order_id: `fan-${n}` } }, token);
    const seconds = await receiver.waitFor(subscriptions, started);
    console.log(`fan-out ${n}: ${subscriptions} delivered in ${seconds.toFixed(2)} s`);
  }
} finally {
  await server.stop();
  receiver.stop();
}
console.log(`profiles in ${dir}`);
