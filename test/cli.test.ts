import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/sqlite/native-handles.js';
import { startProcess, type HookpostProcess } from './support/process.js';
import { call, eventually } from './support/server.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/hookpost.js');

describe('command line', () => {
  const processes: HookpostProcess[] = [];
  afterAll(() => {
    for (const p of processes) p.child.kill('SIGKILL');
  });

  it('migrate creates the schema in the configured SQLite file', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hookpost-migrate-'));
    const { stdout } = await run(process.execPath, [BIN, 'migrate'], { env: { ...process.env, HOOKPOST_DATA_DIR: dataDir } });
    expect(stdout).toContain('migrations applied');
    const db = openDatabase(path.join(dataDir, 'hookpost.db'), { readonly: true });
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    db.close();
    expect(tables).toEqual(expect.arrayContaining(['tenants', 'subscriptions', 'events', 'deliveries', 'attempts']));
  });

  it('stops cleanly on a SIGTERM that arrives while it is still starting', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hookpost-early-stop-'));
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: { ...process.env, HOOKPOST_DATA_DIR: dataDir, HOOKPOST_PORT: '0', HOOKPOST_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      // Fastify's line comes when the port is bound, before delivery starts: mid-start.
      if (output.includes('Server listening at') && !child.killed) child.kill('SIGTERM');
    });
    // Not killed by the signal's default action: the process handled it and exited 0.
    expect(await exited).toBe(0);
  });

  it('refuses an unusable setting with a message naming it', async () => {
    const failure = await run(process.execPath, [BIN, 'serve'], { env: { ...process.env, HOOKPOST_PORT: 'eighty' } }).catch((e) => e);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain('HOOKPOST_PORT');
  });

  it('prints the admin token once on first start; listen shows a delivery with a verified signature; no secret reaches the logs', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hookpost-cli-'));
    const env = { HOOKPOST_DATA_DIR: dataDir, HOOKPOST_ALLOW_PRIVATE_TARGETS: '1', HOOKPOST_LOG_LEVEL: 'trace' };
    const server = await startProcess(env);
    processes.push(server);
    const token = /Hookpost admin token[^\n]*\n\n\s+(hpa_\S+)/.exec(server.output())?.[1];
    expect(token).toBeDefined();

    expect((await call(server, 'POST', '/v1/tenants', { token, body: { id: 'cli', name: 'CLI' } })).status).toBe(201);
    expect((await call(server, 'POST', '/v1/event-types', { token, body: { name: 'ping' } })).status).toBe(201);
    const key = (await call(server, 'POST', '/v1/tenants/cli/api-keys', { token, body: {} })).body.key as string;

    // `hookpost listen` on a free port, with the subscription's secret.
    const secret = 'whsec_' + randomBytes(32).toString('base64');
    const { listen } = await import('../src/cli/listen.js');
    let printed = '';
    const receiver = await listen({ port: 0, host: '127.0.0.1', secret, status: 200 }, { write: (text: string) => ((printed += text), true) } as never);
    const port = (receiver.address() as { port: number }).port;
    const subscription = await call(server, 'POST', '/v1/tenants/cli/subscriptions', {
      token: key,
      body: { url: `http://127.0.0.1:${port}/hooks`, event_types: ['ping'], secret },
    });
    expect(subscription.status).toBe(201);
    const published = await call(server, 'POST', '/v1/tenants/cli/events', { token: key, body: { type: 'ping', data: { hello: 'world' } } });
    await eventually(() => (printed.includes(published.body.id) ? true : undefined));
    expect(printed).toContain('signature verified');
    expect(printed).toContain('"hello": "world"');
    receiver.close();

    // A second start prints no token, and the logs never held a secret or a signature.
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const again = await startProcess(env);
    processes.push(again);
    expect(again.output()).not.toContain('admin token');
    const logs = server.output().replace(token!, '<printed once>') + again.output();
    expect(logs).not.toContain(token!);
    expect(logs).not.toContain(key);
    expect(logs).not.toContain(secret);
    expect(logs).not.toContain(secret.slice('whsec_'.length));
    expect(logs).not.toMatch(/v1,[A-Za-z0-9+/]{43}=/);
  });
});
