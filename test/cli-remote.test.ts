import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from './support/receiver.js';
import { eventually, startServer, type TestServer } from './support/server.js';

const BIN = path.resolve('bin/hookpost.js');
const VERSION = JSON.parse(readFileSync('package.json', 'utf8')).version as string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `hookpost …` as its own process, as a user's shell would (stdout not a terminal). */
function hookpost(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, HOOKPOST_PROFILES: '/nonexistent/profiles.json', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Runs `hookpost …` on a pseudo-terminal (script(1)), as a person at a terminal sees it. */
function onTerminal(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const command = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    // A person's terminal: without CI=true, which Node's colour detection takes for a colourless log.
    const { CI: _ci, ...personal } = process.env;
    execFile('script', ['-qfec', command, '/dev/null'], { env: { ...personal, ...env, TERM: 'xterm-256color' } }, (_e, stdout) => resolve(stdout));
  });
}

const REMOTE_COMMANDS = [
  ['publish'],
  ['trigger'],
  ['tail'],
  ['tenants'],
  ['tenants', 'list'],
  ['tenants', 'create'],
  ['tenants', 'get'],
  ['tenants', 'delete'],
  ['keys', 'list'],
  ['keys', 'create'],
  ['keys', 'delete'],
  ['event-types', 'list'],
  ['event-types', 'get'],
  ['event-types', 'create'],
  ['subscriptions', 'list'],
  ['subscriptions', 'create'],
  ['subscriptions', 'get'],
  ['subscriptions', 'delete'],
  ['deliveries', 'list'],
  ['deliveries', 'get'],
  ['deliveries', 'retry'],
  ['deliveries', 'recover'],
];

describe('hookpost CLI: version and help', { timeout: 60_000 }, () => {
  it('--version prints the package version', async () => {
    const run = await hookpost(['--version']);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout.trim()).toBe(VERSION);
  });

  it.each(REMOTE_COMMANDS.map((command) => [command.join(' '), command] as const))('%s --help names the environment variables it reads', async (_name, command) => {
    const run = await hookpost([...command, '--help']);
    expect(run.code).toBe(0);
    for (const name of ['HOOKPOST_URL', 'HOOKPOST_TOKEN', 'HOOKPOST_PROFILE']) expect(run.stdout).toContain(name);
  });

  it.each([['serve'], ['api'], ['worker'], ['migrate']])('%s --help names the server settings and where all of them are', async (command) => {
    const run = await hookpost([command, '--help']);
    expect(run.stdout).toContain('HOOKPOST_DATABASE_URL');
    expect(run.stdout).toContain('HOOKPOST_PORT');
    expect(run.stdout).toContain('docs/configuration.md');
  });
});

// Each command is a fresh Node process; on a loaded 2-core machine a dozen of them take minutes.
describe('hookpost CLI against a running server', { timeout: 600_000 }, () => {
  let server: TestServer;
  let receiver: Receiver;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startServer();
    receiver = await startReceiver();
    env = { HOOKPOST_URL: server.url, HOOKPOST_TOKEN: server.adminToken };
  });
  afterAll(async () => {
    await receiver.close();
    await server.close();
  });

  const ok = async (args: string[], extra: Record<string, string> = {}) => {
    const run = await hookpost(args, { ...env, ...extra });
    expect(run.code, run.stderr).toBe(0);
    return run.stdout;
  };

  it('manages tenants, keys, event types and subscriptions, publishes and triggers', async () => {
    expect((await ok(['tenants', 'create', '--name', 'Acme', '--id', 'acme'])).trim()).toBe('acme');
    expect(JSON.parse(await ok(['tenants', 'list', '--json'])).map((t: { id: string }) => t.id)).toContain('acme');
    expect(JSON.parse(await ok(['tenants', 'get', 'acme', '--json']))).toMatchObject({ id: 'acme', name: 'Acme' });

    const key = JSON.parse(await ok(['keys', 'create', '--tenant', 'acme', '--name', 'cli', '--json']));
    expect(key.key).toBeTruthy();
    expect(JSON.parse(await ok(['keys', 'list', '--tenant', 'acme', '--json'])).map((k: { id: string }) => k.id)).toContain(key.id);

    await ok(['event-types', 'create', '--name', 'invoice.paid', '--description', 'An invoice was paid', '--schema', '{"type":"object"}', '--example', '{"amount":42}']);
    expect(JSON.parse(await ok(['event-types', 'get', 'invoice.paid', '--json'])).example).toEqual({ amount: 42 });
    expect(JSON.parse(await ok(['event-types', 'list', '--json'])).map((t: { name: string }) => t.name)).toContain('invoice.paid');

    // From here on as the tenant, with the key from the flag rather than the environment.
    const asTenant = ['--token', key.key];
    const subscription = JSON.parse(
      await ok(['subscriptions', 'create', '--tenant', 'acme', '--endpoint', receiver.url, '--event-types', 'invoice.paid', '--json', ...asTenant]),
    );
    expect(subscription.secret).toMatch(/^whsec_/);
    expect(JSON.parse(await ok(['subscriptions', 'list', '--tenant', 'acme', '--json', ...asTenant]))[0].id).toBe(subscription.id);

    const published = (await ok(['publish', '--tenant', 'acme', '--type', 'invoice.paid', '--data', '{"amount":7}', ...asTenant])).trim();
    expect(published).toMatch(/^evt_/);
    const triggered = JSON.parse(await ok(['trigger', 'invoice.paid', '--tenant', 'acme', '--json', ...asTenant]));
    expect(triggered.id).toMatch(/^evt_/);
    const requests = await receiver.waitFor(2);
    expect(requests.map((r) => JSON.parse(r.body).data)).toEqual(expect.arrayContaining([{ amount: 7 }, { amount: 42 }]));

    const deliveries = await eventually(async () => {
      const list = JSON.parse(await ok(['deliveries', 'list', '--tenant', 'acme', '--status', 'succeeded', '--json', ...asTenant]));
      return list.length === 2 ? list : undefined;
    });
    expect(JSON.parse(await ok(['deliveries', 'get', deliveries[0].id, '--tenant', 'acme', '--json', ...asTenant])).attempts).toHaveLength(1);
    expect((await ok(['deliveries', 'retry', '--tenant', 'acme', '--status', 'succeeded', ...asTenant])).trim()).toBe('retried 2 deliveries');
    await receiver.waitFor(4);
    expect((await ok(['deliveries', 'retry', deliveries[0].id, '--tenant', 'acme', ...asTenant])).trim()).toBe('retried 1 deliveries');

    expect((await ok(['subscriptions', 'delete', subscription.id, '--tenant', 'acme', ...asTenant])).trim()).toBe(`deleted ${subscription.id}`);
    expect((await ok(['keys', 'delete', key.id, '--tenant', 'acme'])).trim()).toBe(`revoked ${key.id}`);
    expect(JSON.parse(await ok(['keys', 'list', '--tenant', 'acme', '--json']))[0].revoked_at).not.toBeNull();

    await ok(['tenants', 'create', '--name', 'Short-lived', '--id', 'short-lived']);
    expect((await ok(['tenants', 'delete', 'short-lived'])).trim()).toBe('deleted short-lived');
    expect(JSON.parse(await ok(['tenants', 'list', '--json'])).map((t: { id: string }) => t.id)).not.toContain('short-lived');
    expect((await hookpost(['tenants', 'delete', 'short-lived'], env)).code).toBe(4);
  });

  it('takes the server and token from a profile file when neither flags nor environment give them', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hookpost-profiles-'));
    const file = path.join(dir, 'profiles.json');
    writeFileSync(file, JSON.stringify({ default: { url: 'http://127.0.0.1:1' }, local: { url: server.url, token: server.adminToken } }));
    const run = await hookpost(['tenants', 'list', '--json', '--profile', 'local'], { HOOKPOST_PROFILES: file, HOOKPOST_URL: '', HOOKPOST_TOKEN: '' });
    expect(run.code, run.stderr).toBe(0);
    expect(Array.isArray(JSON.parse(run.stdout))).toBe(true);
    const viaEnv = await hookpost(['tenants', 'list', '--json'], { HOOKPOST_PROFILES: file, HOOKPOST_PROFILE: 'local', HOOKPOST_URL: '', HOOKPOST_TOKEN: '' });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    const missing = await hookpost(['tenants', 'list', '--profile', 'staging'], { HOOKPOST_PROFILES: file });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('No profile "staging"');
  });

  it('exits with codes that say what went wrong', async () => {
    const notFound = await hookpost(['tenants', 'get', 'nobody'], env);
    expect(notFound.code).toBe(4);
    expect(notFound.stderr).toContain('not_found');
    expect((await hookpost(['tenants', 'list'], { ...env, HOOKPOST_TOKEN: 'hpa_wrong' })).code).toBe(5);
    const refused = await hookpost(['publish', '--tenant', 'acme', '--type', 'no.such.type', '--data', '{}'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('unknown_event_type');
    const usage = await hookpost(['publish', '--tenant', 'acme', '--type', 'x', '--data', 'not json'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--data is not JSON');
    expect((await hookpost(['publish', '--tenant', 'acme', '--type', 'x'], env)).code).toBe(2);
    expect((await hookpost(['tenants', 'list'], { HOOKPOST_URL: server.url, HOOKPOST_TOKEN: '' })).code).toBe(2);
    const unreachable = await hookpost(['tenants', 'create', '--name', 'x'], { ...env, HOOKPOST_URL: 'http://127.0.0.1:1' });
    expect(unreachable.code).toBe(3);
  });

  it('tail prints each delivery as it happens, one JSON object per line with --json, and stops on Ctrl-C', async () => {
    await ok(['tenants', 'create', '--name', 'Tail', '--id', 'tail']);
    await ok(['event-types', 'create', '--name', 'tail.seen']);
    await ok(['subscriptions', 'create', '--tenant', 'tail', '--endpoint', receiver.url, '--event-types', 'tail.seen']);
    const child = spawn(process.execPath, [BIN, 'tail', '--tenant', 'tail', '--json', '--interval', '100'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await eventually(() => (stderr.includes('following deliveries') ? true : undefined), 120_000, 'tail to start');
    const id = (await ok(['publish', '--tenant', 'tail', '--type', 'tail.seen', '--data', '{"n":1}'])).trim();
    const lines = await eventually(() => {
      const parsed = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));
      return parsed.some((d) => d.event_id === id && d.status === 'succeeded') ? parsed : undefined;
    }, 120_000, 'the succeeded delivery in the tail');
    expect(lines.every((d) => d.event_id === id)).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('deliveries recover re-sends what a subscription missed, waiting for the server task', async () => {
    // One attempt only, so that a 500 fails the delivery for good; the receiver accepts from then on.
    const strict = await startServer({ env: { HOOKPOST_RETRY_SCHEDULE: '0' } });
    const flaky = await startReceiver((n) => ({ status: n === 1 ? 500 : 200 }));
    const strictEnv = { HOOKPOST_URL: strict.url, HOOKPOST_TOKEN: strict.adminToken };
    try {
      await ok(['tenants', 'create', '--name', 'Recover', '--id', 'recover'], strictEnv);
      await ok(['event-types', 'create', '--name', 'recover.me'], strictEnv);
      const subscription = JSON.parse(await ok(['subscriptions', 'create', '--tenant', 'recover', '--endpoint', flaky.url, '--event-types', 'recover.me', '--json'], strictEnv));
      await ok(['publish', '--tenant', 'recover', '--type', 'recover.me', '--data', '{}'], strictEnv);
      await eventually(async () => (JSON.parse(await ok(['deliveries', 'list', '--tenant', 'recover', '--status', 'failed', '--json'], strictEnv)).length === 1 ? true : undefined), 120_000);
      const since = new Date(Date.now() - 3_600_000).toISOString();
      const task = JSON.parse(await ok(['deliveries', 'recover', '--tenant', 'recover', '--subscription', subscription.id, '--since', since, '--json'], strictEnv));
      expect(task).toMatchObject({ status: 'done', progress: { requeued: 1 } });
      await flaky.waitFor(2, 60_000);
      const started = (await ok(['deliveries', 'recover', '--tenant', 'recover', '--subscription', subscription.id, '--since', since, '--no-wait'], strictEnv)).trim();
      expect(started).toMatch(/\S+/);
    } finally {
      await flaky.close();
      await strict.close();
    }
  });

  it('prints tables with colours and a progress bar on a terminal', async () => {
    await ok(['tenants', 'create', '--name', 'Terminal', '--id', 'terminal']);
    const screen = await onTerminal(['tenants', 'list'], env);
    expect(screen).toContain('┌');
    expect(screen).toMatch(/\u001b\[\d+m/);
    expect(screen).toContain('terminal');
    const plain = await onTerminal(['tenants', 'list'], { ...env, NO_COLOR: '1' });
    expect(plain).not.toMatch(/\u001b\[3\dm/);

    const retry = await onTerminal(['deliveries', 'retry', '--tenant', 'acme', '--status', 'succeeded'], env);
    expect(retry).toMatch(/retrying \[.*\] \d+\/\d+/);
  });
});
