import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { STARTUP_PROBLEMS } from '../src/core/errors.js';
import { openDatabase } from '../src/store/sqlite/native-handles.js';
import { startProcess, type HookpostProcess } from './support/process.js';
import { call } from './support/server.js';
import { postgresServerUrl, testStores } from './support/stores.js';
import { databaseUrl } from './support/test-databases.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/hookpost.js');

/** Runs `hookpost <command>` to its end and returns its exit code and stderr. */
async function failedStart(env: Record<string, string>, command = 'serve'): Promise<{ code: number; stderr: string }> {
  const result = await run(process.execPath, [BIN, command], {
    env: { ...process.env, HOOKPOST_PORT: '0', HOOKPOST_DATA_DIR: freshDir(), ...env },
    timeout: 40_000,
  }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
  return result;
}

function freshDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'hookpost-start-'));
}

/** One line on stderr, no stack frame. */
function expectOneLine(stderr: string, ...mentions: string[]) {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(lines[0]).toMatch(/^hookpost: /);
  for (const mention of mentions) expect(lines[0]).toContain(mention);
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('start-up failures: one line naming the problem and the fix, a distinct exit code', () => {
  const processes: HookpostProcess[] = [];
  afterAll(() => {
    for (const p of processes) p.child.kill('SIGKILL');
  });

  it('gives every kind of failure its own exit code', () => {
    const codes = Object.values(STARTUP_PROBLEMS);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).not.toContain(0);
  });

  it('refuses a database URL of an unknown kind (exit 3)', async () => {
    const { code, stderr } = await failedStart({ HOOKPOST_DATABASE_URL: 'mysql://root:hunter2@db/hookpost' });
    expect(code).toBe(STARTUP_PROBLEMS.database_url);
    expectOneLine(stderr, 'HOOKPOST_DATABASE_URL', 'sqlite:');
    expect(stderr).not.toContain('hunter2');
  });

  it('names the PostgreSQL host and port it cannot reach (exit 4)', async () => {
    const port = await freePort();
    const { code, stderr } = await failedStart({ HOOKPOST_DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/hookpost` });
    expect(code).toBe(STARTUP_PROBLEMS.database_unreachable);
    expectOneLine(stderr, `127.0.0.1:${port}`, 'HOOKPOST_DATABASE_URL');
  });

  it('names a port that is already in use (exit 8)', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const { code, stderr } = await failedStart({ HOOKPOST_PORT: String(port) });
      expect(code).toBe(STARTUP_PROBLEMS.port_in_use);
      expectOneLine(stderr, `port ${port}`, 'HOOKPOST_PORT');
    } finally {
      holder.close();
    }
  });

  it('names a bind address that is not this machine’s (exit 9)', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a real interface.
    const { code, stderr } = await failedStart({ HOOKPOST_HOST: '192.0.2.1' });
    expect(code).toBe(STARTUP_PROBLEMS.bad_host);
    expectOneLine(stderr, '192.0.2.1', 'HOOKPOST_HOST');
  });

  it('names a data directory it cannot use (exit 10)', async () => {
    // A file where the directory should be: fails for root too (unlike a chmod).
    const blocker = path.join(freshDir(), 'not-a-directory');
    writeFileSync(blocker, '');
    const { code, stderr } = await failedStart({ HOOKPOST_DATA_DIR: path.join(blocker, 'data') });
    expect(code).toBe(STARTUP_PROBLEMS.data_dir);
    expectOneLine(stderr, blocker, 'HOOKPOST_DATA_DIR');
  });

  it.each([
    ['HOOKPOST_LOG_LEVEL', 'verbose'],
    ['HOOKPOST_LEASE', '0'],
    ['HOOKPOST_REQUEST_TIMEOUT', '0'],
    ['HOOKPOST_POLL_INTERVAL', '0'],
    ['HOOKPOST_CONNECT_TIMEOUT', '2h'],
  ])('refuses %s=%s (exit 2)', async (name, value) => {
    const { code, stderr } = await failedStart({ [name]: value });
    expect(code).toBe(STARTUP_PROBLEMS.invalid_setting);
    expectOneLine(stderr, name, `"${value}"`);
  });

  it('lets only one process send from a SQLite file: a second is refused at once and claims nothing (exit 11)', async () => {
    const dataDir = freshDir();
    const first = await startProcess({ HOOKPOST_DATA_DIR: dataDir, HOOKPOST_ADMIN_TOKEN: 'hpa_single_sender' });
    processes.push(first);
    const { code, stderr } = await failedStart({ HOOKPOST_DATA_DIR: dataDir });
    expect(code).toBe(STARTUP_PROBLEMS.database_in_use);
    expectOneLine(stderr, 'hookpost.db', 'HOOKPOST_ROLE=api');
    // An API-only process does not send, so it may share the file.
    const api = await startProcess({ HOOKPOST_DATA_DIR: dataDir, HOOKPOST_ADMIN_TOKEN: 'hpa_single_sender', HOOKPOST_ROLE: 'api' });
    processes.push(api);
    expect((await call(api, 'GET', '/healthz')).status).toBe(200);
    // Once the sender is gone (SIGKILL: no clean-up), the lock goes with it.
    first.child.kill('SIGKILL');
    await first.exited;
    const next = await startProcess({ HOOKPOST_DATA_DIR: dataDir, HOOKPOST_ADMIN_TOKEN: 'hpa_single_sender' });
    processes.push(next);
    expect((await call(next, 'GET', '/healthz')).status).toBe(200);
  }, 180_000);

  it('refuses a SQLite database migrated by a newer Hookpost (exit 7)', async () => {
    const dataDir = freshDir();
    expect((await failedStart({ HOOKPOST_DATA_DIR: dataDir }, 'migrate')).code).toBe(0);
    const db = openDatabase(path.join(dataDir, 'hookpost.db'));
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, ?, ?)').run('9999_future.sql', Date.now());
    db.close();
    for (const command of ['serve', 'migrate']) {
      const { code, stderr } = await failedStart({ HOOKPOST_DATA_DIR: dataDir }, command);
      expect(code).toBe(STARTUP_PROBLEMS.schema_too_new);
      expectOneLine(stderr, 'schema version 9999');
    }
  }, 120_000);
});

// PostgreSQL only (SQLite has no server); global-setup.ts fails CI when the server is missing.
const postgres = testStores().find((store) => store.name === 'postgres');
if (postgres) describe('start-up failures on the PostgreSQL server', () => {
  const store = postgres;

  it('names a database that does not exist (exit 5)', async () => {
    const url = databaseUrl(postgresServerUrl()!, 'hookpost_no_such_database');
    const { code, stderr } = await failedStart({ HOOKPOST_DATABASE_URL: url });
    expect(code).toBe(STARTUP_PROBLEMS.database_missing);
    expectOneLine(stderr, '"hookpost_no_such_database"', 'createdb');
  });

  it('names a user the server refuses (exit 6)', async () => {
    const url = new URL(await store.freshDatabaseUrl());
    url.username = 'hookpost_no_such_role';
    url.password = 'secret-password';
    const { code, stderr } = await failedStart({ HOOKPOST_DATABASE_URL: url.toString() });
    expect(code).toBe(STARTUP_PROBLEMS.database_login);
    expectOneLine(stderr, '"hookpost_no_such_role"');
    expect(stderr).not.toContain('secret-password');
  });

  it('refuses a PostgreSQL database migrated by a newer Hookpost (exit 7)', async () => {
    const url = await store.freshDatabaseUrl();
    expect((await failedStart({ HOOKPOST_DATABASE_URL: url }, 'migrate')).code).toBe(0);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)");
    await client.end();
    const { code, stderr } = await failedStart({ HOOKPOST_DATABASE_URL: url });
    expect(code).toBe(STARTUP_PROBLEMS.schema_too_new);
    expectOneLine(stderr, 'schema version 9999');
  }, 120_000);
});
