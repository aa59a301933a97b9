import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from './support/receiver.js';
import { rawSql } from './support/raw-sql.js';
import { call, createTenant, defineEventType, eventually, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

/** The value of one sample line of a Prometheus exposition, or undefined. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describeEachStore('operations endpoints', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;
  let databaseUrl: string;

  beforeAll(async () => {
    databaseUrl = await store.freshDatabaseUrl();
    server = await startServer({ databaseUrl });
    tenant = await createTenant(server);
    await defineEventType(server, 'ops.checked', { type: 'object' });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await server.close();
  });

  const metrics = async () => String((await call(server, 'GET', '/metrics')).body);

  it('/readyz answers 200 when the database is reachable and migrated', async () => {
    const ready = await call(server, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', database: 'reachable', pending_migrations: 0 });
  });

  it('/readyz answers 503 while a migration this build knows is missing from the database', async () => {
    await rawSql(databaseUrl, 'DELETE FROM schema_migrations WHERE version = 2');
    const behind = await call(server, 'GET', '/readyz');
    expect(behind.status).toBe(503);
    expect(behind.body).toMatchObject({ status: 'not_ready', pending_migrations: 1 });
    await rawSql(databaseUrl, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (2, '0002_audit.sql', 0)");
    expect((await call(server, 'GET', '/readyz')).status).toBe(200);
  });

  it('counts finished deliveries by outcome and times attempts', async () => {
    await subscribe(server, tenant, { url: receiver.url, event_types: ['ops.checked'] });
    expect((await publish(server, tenant, { type: 'ops.checked', data: { n: 1 } })).status).toBe(202);
    await receiver.waitFor(1);
    const text = await eventually(async () => {
      const t = await metrics();
      return (sample(t, 'hookpost_deliveries_total', '{outcome="succeeded"}') ?? 0) >= 1 ? t : undefined;
    });
    expect(sample(text, 'hookpost_delivery_attempt_duration_seconds_count')).toBeGreaterThanOrEqual(1);
  });

  it('labels API requests with route templates, never raw paths', async () => {
    await call(server, 'GET', `/v1/tenants/${tenant.id}/events/evt_does_not_exist`, { token: tenant.key });
    await call(server, 'GET', '/no/such/path/12345');
    const text = await metrics();
    const lines = text.split('\n').filter((l) => l.startsWith('hookpost_http_request_duration_seconds_count'));
    expect(lines.some((l) => l.includes('route="/v1/tenants/:tenant/events/:id"') && l.includes('status_class="4xx"'))).toBe(true);
    expect(lines.some((l) => l.includes('route="unmatched"'))).toBe(true);
    expect(text).not.toContain(tenant.id);
    expect(text).not.toContain('12345');
  });

});

describeEachStore('operations endpoints of an API process (no dispatcher)', (store) => {
  let server: TestServer;
  let tenant: TestTenant;

  beforeAll(async () => {
    server = await startServer({ databaseUrl: await store.freshDatabaseUrl(), env: { HOOKPOST_ROLE: 'api' } });
    tenant = await createTenant(server);
    await defineEventType(server, 'ops.queued', { type: 'object' });
  });
  // The last test closes the store itself; only the HTTP side is left to close.
  afterAll(() => server.runtime.app.close());

  const metrics = async () => String((await call(server, 'GET', '/metrics')).body);

  it('reports the due backlog and the age of its oldest delivery', async () => {
    // No dispatcher runs in this process, so the published deliveries stay due.
    await subscribe(server, tenant, { url: 'http://127.0.0.1:9/hook', event_types: ['ops.queued'] });
    expect(sample(await metrics(), 'hookpost_deliveries_due')).toBe(0);
    expect(sample(await metrics(), 'hookpost_oldest_due_delivery_age_seconds')).toBe(0);
    await publish(server, tenant, { type: 'ops.queued', data: { n: 1 } });
    await publish(server, tenant, { type: 'ops.queued', data: { n: 2 } });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const text = await metrics();
    expect(sample(text, 'hookpost_deliveries_due')).toBe(2);
    expect(sample(text, 'hookpost_oldest_due_delivery_age_seconds')).toBeGreaterThanOrEqual(1);
  });

  it('/readyz answers 503 once the database cannot be reached', async () => {
    await server.runtime.service.store.close();
    const down = await call(server, 'GET', '/readyz');
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ status: 'not_ready', database: 'unreachable' });
    expect((await call(server, 'GET', '/healthz')).status).toBe(200);
  });
});

describe('logs', () => {
  it('are pretty on a terminal and JSON lines otherwise', async () => {
    const bin = path.resolve('bin/hookpost.js');
    const read = (command: string, args: string[]) =>
      new Promise<string>((resolve, reject) => {
        const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hookpost-logs-'));
        const child = spawn(command, args, { env: { ...process.env, HOOKPOST_DATA_DIR: dataDir, HOOKPOST_PORT: '0', HOOKPOST_ADMIN_TOKEN: 'hpa_logs_test_token_0123456789' }, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`no listening line:\n${output}`))), 45_000);
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('Hookpost is listening')) {
            clearTimeout(timer);
            child.kill('SIGKILL');
            resolve(output);
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
      });
    const piped = await read(process.execPath, [bin, 'serve']);
    const line = piped.split('\n').find((l) => l.includes('Hookpost is listening'))!;
    expect(JSON.parse(line)).toMatchObject({ msg: 'Hookpost is listening', level: 30 });
    // script(1) gives the process a pseudo-terminal as stdout.
    const tty = await read('script', ['-qfec', `${process.execPath} ${bin} serve`, '/dev/null']);
    const ttyLine = tty.split('\n').find((l) => l.includes('Hookpost is listening'))!;
    expect(ttyLine.trimStart().startsWith('{')).toBe(false);
    expect(ttyLine).toMatch(/INFO/);
  });
});
