// `npm run bench`: saturated delivery throughput of 1 KiB events to one subscription, beside raw
// undici POSTs to the same receiver (in its own process), measured in the same run.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { Pool } from 'undici';
import { loadConfig } from '../src/config/config.js';
import { createRuntime } from '../src/cli/runtime.js';
import { createApiKey } from '../src/service/api-keys.js';
import { defineEventType } from '../src/service/event-types.js';
import { PayloadSchemas } from '../src/service/payload-schemas.js';
import { publishEvent } from '../src/service/publish.js';
import { createSubscription } from '../src/service/subscriptions.js';
import { createTenant } from '../src/service/tenants.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 128);
const PAYLOAD = { order_id: 'o_1', customer: 'c_1', note: 'x'.repeat(1024 - 60) };

async function main() {
  const receiver = await startReceiver();
  const url = `http://127.0.0.1:${receiver.port}/hook`;
  const body = JSON.stringify({ type: 'bench.order.created', timestamp: new Date().toISOString(), data: PAYLOAD });

  const raw = await rawUndici(url, body);
  await ask(receiver.child, 'reset');
  const hookpost = await hookpostDelivery(url, receiver.child);

  const rawRate = EVENTS / raw;
  const hookpostRate = EVENTS / hookpost;
  console.log(`events: ${EVENTS} × ${Buffer.byteLength(body)} B, one subscription, receiver in its own process`);
  console.log(`raw undici Pool (${CONNECTIONS} connections, ${IN_FLIGHT} in flight): ${Math.round(rawRate)} POSTs/s`);
  console.log(`hookpost delivery (claim → sign → POST → record, SQLite):   ${Math.round(hookpostRate)} deliveries/s`);
  console.log(`ratio hookpost / raw: ${(hookpostRate / rawRate).toFixed(2)}`);
  receiver.child.send('stop');
}

/** Seconds to POST EVENTS bodies with undici directly, IN_FLIGHT at a time. */
async function rawUndici(url: string, body: string): Promise<number> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: CONNECTIONS });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < EVENTS) {
        next += 1;
        const response = await pool.request({ path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await response.body.dump();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return seconds;
}

/** Seconds for Hookpost to deliver a backlog of EVENTS: published first, then one dispatcher drains it. */
async function hookpostDelivery(url: string, receiver: ChildProcess): Promise<number> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hookpost-bench-'));
  const env = {
    HOOKPOST_DATA_DIR: dataDir,
    HOOKPOST_ADMIN_TOKEN: 'hpa_bench',
    HOOKPOST_ALLOW_PRIVATE_TARGETS: '1',
    HOOKPOST_LOG_LEVEL: 'warn',
    ...pick(process.env, /^HOOKPOST_/),
  };
  const logger = pino({ level: 'warn' });

  // The backlog is written by an API-only runtime, so that no delivery starts before the clock does.
  const api = await createRuntime(loadConfig({ ...env, HOOKPOST_ROLE: 'api' }), logger);
  const service = api.service;
  const tenant = await createTenant(service, { name: 'bench' });
  await createApiKey(service, { tenantId: tenant.id });
  const schemas = new PayloadSchemas();
  await defineEventType(service, schemas, { name: 'bench.order.created' }, { replace: true });
  await createSubscription(service, tenant.id, { url, eventTypes: ['bench.order.created'] });
  for (let i = 0; i < EVENTS; i++) await publishEvent(service, schemas, tenant.id, { type: 'bench.order.created', data: PAYLOAD });
  await api.close();

  const worker = await createRuntime(loadConfig({ ...env, HOOKPOST_ROLE: 'worker' }), logger);
  const started = performance.now();
  while ((await ask(receiver, 'count')) < EVENTS) await new Promise((resolve) => setTimeout(resolve, 5));
  const seconds = (performance.now() - started) / 1000;
  await worker.close();
  rmSync(dataDir, { recursive: true, force: true });
  return seconds;
}

async function startReceiver(): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(path.join(path.dirname(fileURLToPath(import.meta.url)), 'receiver.js'));
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  return { child, port };
}

function ask(child: ChildProcess, message: string): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m: { count: number }) => resolve(m.count));
    child.send(message);
  });
}

function pick(env: NodeJS.ProcessEnv, pattern: RegExp): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([k, v]) => pattern.test(k) && v !== undefined)) as Record<string, string>;
}

await main();
