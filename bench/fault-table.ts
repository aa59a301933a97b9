// Re-measures issue 10's fault table (the rows that do not need the fault-injection suite):
//   npm run build && node dist/bench/fault-table.js
// With HOOKPOST_TEST_DATABASE_URL (a PostgreSQL server the script may create databases on), the
// growth rows run on PostgreSQL too. Rows measured by test/chaos (hostile endpoints, worker
// SIGKILL on PostgreSQL) print their figures when that suite runs:
//   npx vitest run --project chaos
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { request } from 'undici';
import { newId } from '../src/core/ids.js';
import type { Subscription } from '../src/core/model.js';
import { createOutboundClient } from '../src/delivery/outbound.js';
import { createStore, type Store } from '../src/store/index.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/hookpost.js');
const run = promisify(execFile);
const tmp = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), `hookpost-${prefix}-`));
const rows: [string, string][] = [];
const row = (fault: string, measured: string) => {
  rows.push([fault, measured]);
  process.stdout.write(`| ${fault} | ${measured} |\n`);
};

async function startFailure(env: Record<string, string>, command = 'serve') {
  const result = await run(process.execPath, [BIN, command], { env: { ...process.env, HOOKPOST_PORT: '0', HOOKPOST_DATA_DIR: tmp('ft'), ...env }, timeout: 60_000 }).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
  );
  return `exit ${result.code}, ${result.stderr.trim().split('\n').length} line(s): \`${result.stderr.trim().split('\n')[0]}\``;
}

async function startupRows(serverUrl: string | undefined) {
  row('bad database URL', await startFailure({ HOOKPOST_DATABASE_URL: 'mysql://db/x' }));
  row('unreachable PostgreSQL', await startFailure({ HOOKPOST_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' }));
  if (serverUrl) {
    const missing = new URL(serverUrl);
    missing.pathname = '/hookpost_no_such_db';
    row('missing PostgreSQL database', await startFailure({ HOOKPOST_DATABASE_URL: missing.toString() }));
    const user = new URL(serverUrl);
    user.username = 'hookpost_no_such_role';
    row('bad PostgreSQL user', await startFailure({ HOOKPOST_DATABASE_URL: user.toString() }));
  }
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  row('port in use', await startFailure({ HOOKPOST_PORT: String((holder.address() as AddressInfo).port) }));
  holder.close();
  row('bad bind host', await startFailure({ HOOKPOST_HOST: '192.0.2.1' }));
  const blocker = path.join(tmp('ft'), 'file');
  writeFileSync(blocker, '');
  row('unusable data directory', await startFailure({ HOOKPOST_DATA_DIR: path.join(blocker, 'data') }));
  row('log level `verbose`', await startFailure({ HOOKPOST_LOG_LEVEL: 'verbose' }));
  for (const name of ['LEASE', 'REQUEST_TIMEOUT', 'POLL_INTERVAL']) row(`HOOKPOST_${name}=0`, await startFailure({ [`HOOKPOST_${name}`]: '0' }));
  const dataDir = tmp('ft');
  await startFailure({ HOOKPOST_DATA_DIR: dataDir }, 'migrate');
  const { openDatabase } = await import('../src/store/sqlite/native-handles.js');
  const db = openDatabase(path.join(dataDir, 'hookpost.db'));
  db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)").run();
  db.close();
  row('database with a newer schema', await startFailure({ HOOKPOST_DATA_DIR: dataDir }));
}

/** Spawns `hookpost serve`; resolves once it listens. */
function serve(env: Record<string, string>): Promise<{ url: string; kill: (signal: NodeJS.Signals) => Promise<void>; startedAt: number }> {
  const child = spawn(process.execPath, [BIN, 'serve'], { env: { ...process.env, HOOKPOST_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
      const match = /"address":"(http:\/\/[^"]+)"[^\n]*Hookpost is listening/.exec(output);
      if (match) {
        child.removeAllListeners('exit');
        resolve({
          url: match[1]!,
          startedAt: Date.now(),
          kill: (signal) =>
            new Promise((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill(signal);
            }),
        });
      }
    });
  });
}

async function api(url: string, token: string, route: string, body: unknown) {
  const response = await request(new URL(route, url), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.statusCode, body: (await response.body.json()) as any };
}

async function restartRows() {
  const arrivals: number[] = [];
  const receiver: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => setTimeout(() => (arrivals.push(Date.now()), res.writeHead(200).end()), 50));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const env = {
    HOOKPOST_DATA_DIR: tmp('restart'),
    HOOKPOST_ADMIN_TOKEN: `hpa_${randomBytes(8).toString('hex')}`,
    HOOKPOST_ALLOW_PRIVATE_TARGETS: '1',
    HOOKPOST_ENDPOINT_CONCURRENCY: '4',
  };
  const token = env.HOOKPOST_ADMIN_TOKEN;
  const first = await serve(env);
  await api(first.url, token, '/v1/tenants', { id: 'ft', name: 'ft' });
  await api(first.url, token, '/v1/event-types', { name: 'ft.ping' });
  await api(first.url, token, '/v1/tenants/ft/subscriptions', { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, event_types: ['ft.ping'] });
  for (let i = 0; i < 300; i += 1) await api(first.url, token, '/v1/tenants/ft/events', { type: 'ft.ping', data: { i } });
  while (arrivals.length < 20) await new Promise((r) => setTimeout(r, 20));
  await first.kill('SIGKILL');
  const before = arrivals.length;
  const second = await serve(env);
  while (arrivals.length === before) await new Promise((r) => setTimeout(r, 5));
  row('SIGKILL, then restart (SQLite)', `first delivery ${arrivals[before]! - second.startedAt} ms after the restart listened (default lease ${'10 s'}; the dead process's claims taken back at start)`);
  const third = await startFailure(env);
  row('a second instance on the same SQLite file', `${third}; it claimed nothing`);
  await second.kill('SIGKILL');
  receiver.close();
}

/** Milliseconds per call of `work`, averaged over `times`. */
async function timed(times: number, work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < times; i += 1) await work();
  return (performance.now() - t0) / times;
}

async function growthRows(name: string, databaseUrl: string) {
  const store: Store = await createStore(databaseUrl);
  await store.migrate();
  const tenantId = 't_growth';
  await store.insertTenant({ id: tenantId, name: 'growth', createdAt: Date.now() });
  const subscription = async (): Promise<Subscription> => {
    const s: Subscription = {
      id: newId('subscription'), tenantId, url: 'https://example.com/', eventTypes: ['x'], name: null, description: null, metadata: {},
      headers: {}, filter: null, format: 'native', platformData: {}, active: true, disabledReason: null, sealedSecret: 'sealed',
      previousSealedSecret: null, previousSecretExpiresAt: null, signing: 'hmac', retryPolicy: null,
      createdAt: Date.now(), updatedAt: Date.now(),
    };
    await store.insertSubscription(s);
    return s;
  };
  const fill = async (s: Subscription, count: number) => {
    for (let done = 0; done < count; done += 1000) {
      const deliveries = Array.from({ length: Math.min(1000, count - done) }, () => ({ id: newId('delivery'), subscriptionId: s.id, dueAt: 0 }));
      await store.insertEventWithDeliveries({ tenantId, id: newId('event'), type: 'x', data: {}, resourceId: null, createdAt: Date.now(), deliverAt: null }, deliveries);
    }
  };

  const disabled = await subscription();
  await fill(disabled, 50_000);
  await store.updateSubscription(tenantId, disabled.id, { active: false }, Date.now());
  const healthy = await subscription();
  await fill(healthy, 1);
  const claimMs = await timed(100, async () => {
    const claimed = await store.claimDueDeliveries({ owner: 'ft', now: Date.now(), leaseMs: 10_000, limit: 256 });
    await store.releaseDeliveries('ft', claimed.map((c) => c.delivery.id), 0);
  });
  row(`50k pending deliveries of a disabled subscription (${name})`, `${claimMs.toFixed(2)} ms per claim (+ release)`);

  const big = await subscription();
  await fill(big, 200_000);
  const listMs = await timed(20, () => store.listDeliveries(tenantId, { status: 'failed' }, { cursor: null, limit: 50 }));
  row(`\`?status=failed\` over 250k deliveries (${name})`, `${listMs.toFixed(2)} ms per page`);

  let worstStall = 0;
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    worstStall = Math.max(worstStall, now - last);
    last = now;
  }, 1);
  const t0 = performance.now();
  await store.deleteSubscription(tenantId, big.id);
  const deleteMs = performance.now() - t0;
  clearInterval(probe);
  const kept = (await store.listDeliveries(tenantId, { subscriptionId: big.id }, { cursor: null, limit: 5 })).items.length;
  row(
    `deleting a subscription with 200k deliveries (${name})`,
    `DELETE returned after ${deleteMs.toFixed(0)} ms; longest event-loop stall ${worstStall.toFixed(0)} ms; history kept: ${kept > 0 ? 'yes' : 'NO'}`,
  );
  await store.close();
}

async function stalledBodyRow() {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-length': '100' });
    res.write('partial');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = createOutboundClient({
    allowPrivateTargets: true, allowedPorts: null, allowedDomains: null, deniedDomains: null,
    connectTimeoutMs: 1000, totalTimeoutMs: 500, maxConnectionsPerOrigin: 4, maxResponseBytes: 65536, storedResponseBytes: 4096,
  });
  const result = await client.send({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, headers: {}, body: '{}' });
  row('a receiver that sends 200 then stalls the body past the timeout', `status ${result.statusCode}, error class ${result.errorClass ?? 'none'}: one success`);
  await client.close();
  server.closeAllConnections();
  server.close();
}

async function main() {
  const serverUrl = process.env.HOOKPOST_TEST_DATABASE_URL || undefined;
  process.stdout.write('| fault | measured |\n| --- | --- |\n');
  await startupRows(serverUrl);
  await restartRows();
  await growthRows('SQLite', `sqlite:${path.join(tmp('growth'), 'hookpost.db')}`);
  if (serverUrl) {
    const name = `hookpost_faults_${randomBytes(3).toString('hex')}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    try {
      await growthRows('PostgreSQL', url.toString());
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  }
  await stalledBodyRow();
}

await main();
