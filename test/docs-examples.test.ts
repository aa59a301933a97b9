import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startReceiver } from './support/receiver.js';
import { call, createTenant, eventually, startServer, type TestServer } from './support/server.js';
import { postgresServerUrl } from './support/stores.js';
import { createTestDatabase } from './support/test-databases.js';
import pino from 'pino';
import { loadConfig } from '../src/config/config.js';
import { openService } from '../src/runtime/open-service.js';
import { createTenant as insertTenant } from '../src/service/tenants.js';

// Every code example of the pages below is run: ```js test and ```ts test blocks as ES modules
// (TypeScript transpiled), ```sh test blocks with bash, each page's blocks in order against a
// fresh server whose URL and admin token are in HOOKPOST_URL and HOOKPOST_TOKEN. A js, ts or sh
// block not marked `test` fails the suite; ```console blocks are long-running commands (npm
// start, listen, tail) and ```json, ```ini, ```nginx and ```Procfile blocks are file contents
// (deployment.md's Procfile is run by a test of its own, below). HOOKPOST_KEY is a key of the
// tenant `docs`. Fences indented inside a list
// count too.

const PAGES = [
  ...['quick-start.md', 'cli.md', 'client.md', 'verify.md', 'embedded.md', 'operations.md', 'configuration.md', 'concepts.md', 'deployment.md'],
  ...['event-types.md', 'delivery.md'],
  ...readdirSync('docs/platforms').map((file) => `platforms/${file}`),
];
const FILE_CONTENTS = ['console', 'json', 'text', 'ini', 'nginx', 'Procfile'];
const RUNNABLE = new Set(['js', 'ts', 'sh']);
const REPO = path.resolve('.');
const BIN = path.join(REPO, 'bin', 'hookpost.js');
// Example scripts live inside the package, so that `hookpost/client` resolves to this package (self-reference).
const SCRIPTS = path.join(REPO, '.docs-examples');

interface Block {
  lang: string;
  flags: string[];
  code: string;
  line: number;
}

function blocks(page: string): Block[] {
  const found: Block[] = [];
  const lines = readFileSync(path.join('docs', page), 'utf8').split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^(\s*)```(\S*)\s*(.*)$/.exec(lines[i]!);
    if (!open || open[2] === '') continue;
    const indent = open[1]!.length;
    const start = i;
    const code: string[] = [];
    for (i += 1; i < lines.length && !lines[i]!.trimStart().startsWith('```'); i += 1) code.push(lines[i]!.slice(indent));
    found.push({ lang: open[2]!, flags: open[3]!.split(/\s+/).filter(Boolean), code: code.join('\n'), line: start + 1 });
  }
  return found;
}

function run(command: string, args: string[], options: { env: Record<string, string>; cwd: string }): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { env: { ...process.env, ...options.env }, cwd: options.cwd, timeout: 240_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

// Pages whose examples start from a stopped Hookpost installation in the current directory
// (deployment.md moves ./data/hookpost.db to PostgreSQL and carries ./data's secrets over).
const INSTALLED_PAGES = ['deployment.md'];

/** What a first `npm start` leaves in ./data: a migrated SQLite database with a tenant, the secret key and the admin token. */
async function installHookpost(dataDir: string): Promise<void> {
  const config = loadConfig({ HOOKPOST_DATA_DIR: dataDir, HOOKPOST_PLATFORMS: 'none' });
  const { service } = await openService(config, pino({ level: 'silent' }));
  await insertTenant(service, { id: 'acme', name: 'Acme' });
  await service.store.close();
}

// `npx hookpost …` in a shell example runs this checkout's CLI.
const NPX_SHIM = `npx() { if [ "$1" = hookpost ]; then shift; node ${JSON.stringify(BIN)} "$@"; else command npx "$@"; fi; }\n`;

describe('documentation examples', { timeout: 600_000 }, () => {
  beforeAll(() => mkdirSync(SCRIPTS, { recursive: true }));
  afterAll(() => rmSync(SCRIPTS, { recursive: true, force: true }));

  it('marks every js, ts and sh block of the pages as run by this test', () => {
    const unmarked = PAGES.flatMap((page) => blocks(page).filter((b) => RUNNABLE.has(b.lang) && !b.flags.includes('test')).map((b) => `${page}:${b.line}`));
    expect(unmarked).toEqual([]);
    const languages = new Set(PAGES.flatMap((page) => blocks(page).map((b) => b.lang)));
    for (const lang of languages) expect([...RUNNABLE, ...FILE_CONTENTS]).toContain(lang);
  });

  for (const page of PAGES.filter((p) => existsSync(path.join('docs', p)))) {
    const examples = blocks(page).filter((b) => b.flags.includes('test'));
    if (examples.length === 0) continue;
    describe(page, () => {
      let server: TestServer;
      let cwd: string;
      let tenantKey: string;
      beforeAll(async () => {
        server = await startServer();
        cwd = mkdtempSync(path.join(os.tmpdir(), 'hookpost-docs-'));
        if (INSTALLED_PAGES.includes(page)) await installHookpost(path.join(cwd, 'data'));
        tenantKey = (await createTenant(server, 'docs')).key;
      });
      afterAll(() => server.close());

      for (const example of examples) {
        const needsPostgres = example.flags.includes('postgres');
        it.skipIf(needsPostgres && !postgresServerUrl())(`runs the ${example.lang} example at line ${example.line}`, async () => {
          const env: Record<string, string> = {
            HOOKPOST_URL: server.url,
            HOOKPOST_TOKEN: server.adminToken,
            // A key of the tenant `docs`, for the platform pages' SDK examples.
            HOOKPOST_KEY: tenantKey,
            HOOKPOST_PROFILES: path.join(cwd, 'none.json'),
          };
          if (needsPostgres) env.DATABASE_URL = await createTestDatabase(postgresServerUrl()!, inject('postgresRunId'));
          let result: { code: number; output: string };
          if (example.lang === 'sh') {
            result = await run('bash', ['-euo', 'pipefail', '-c', NPX_SHIM + example.code], { env, cwd });
          } else {
            const source = example.lang === 'ts'
              ? ts.transpileModule(example.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
              : example.code;
            const file = path.join(SCRIPTS, `${page.replace('.md', '').replaceAll('/', '-')}-${example.line}.mjs`);
            writeFileSync(file, source);
            result = await run(process.execPath, [file], { env, cwd });
          }
          expect(result.code, result.output).toBe(0);
        });
      }
    });
  }

  // deployment.md's Procfile, each line run as written (its process types on one PostgreSQL
  // database): the web process takes a publish, and a worker process delivers it.
  it.skipIf(!postgresServerUrl())('runs the Procfile of deployment.md: web publishes, worker delivers', async () => {
    const procfile = blocks('deployment.md').find((b) => b.lang === 'Procfile')!;
    const processes = procfile.code.split('\n').filter((line) => line.includes(':')).map((line) => {
      const at = line.indexOf(':');
      return { type: line.slice(0, at).trim(), command: line.slice(at + 1).trim() };
    });
    expect(processes.map((p) => p.type)).toEqual(['web', 'worker']);
    const databaseUrl = await createTestDatabase(postgresServerUrl()!, inject('postgresRunId'));
    const adminToken = `hpa_docs_${Date.now()}`;
    const shared = {
      HOOKPOST_DATABASE_URL: databaseUrl,
      HOOKPOST_SECRET_KEY: '2'.repeat(64),
      HOOKPOST_ADMIN_TOKEN: adminToken,
      HOOKPOST_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'hookpost-procfile-')),
      HOOKPOST_ALLOW_PRIVATE_TARGETS: '1',
      HOOKPOST_PORT: '0',
      HOOKPOST_LOG_LEVEL: 'info',
    };
    const receiver = await startReceiver();
    const started = await Promise.all(processes.map((p) => startProcfileProcess(p.command, shared)));
    try {
      const [web, worker] = started;
      expect(await (await fetch(new URL('/healthz', worker!.url))).json()).toMatchObject({ role: 'worker' });
      const server = { url: web!.url };
      const admin = { token: adminToken };
      expect((await call(server, 'POST', '/v1/tenants', { ...admin, body: { id: 'acme', name: 'Acme' } })).status).toBe(201);
      expect((await call(server, 'POST', '/v1/event-types', { ...admin, body: { name: 'order.paid' } })).status).toBe(201);
      expect((await call(server, 'POST', '/v1/tenants/acme/subscriptions', { ...admin, body: { url: receiver.url, event_types: ['order.paid'] } })).status).toBe(201);
      expect((await call(server, 'POST', '/v1/tenants/acme/events', { ...admin, body: { type: 'order.paid', data: { order: 1 } } })).status).toBe(202);
      const [delivered] = await receiver.waitFor(1, 60_000);
      expect(JSON.parse(delivered!.body).data).toEqual({ order: 1 });
      await eventually(async () => ((await worker!.metric('hookpost_delivery_attempts_total')) >= 1 ? true : undefined), 20_000, "the worker's attempt metric");
    } finally {
      for (const p of started) p.stop();
      await receiver.close();
    }
  });
});

/** A Procfile line's command, run by bash as a process manager would, with `npx hookpost` this checkout's CLI. */
async function startProcfileProcess(command: string, env: Record<string, string>) {
  const child = spawn('bash', ['-c', NPX_SHIM + command], { env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start:\n${output}`)), 90_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"address":"(http:\/\/[^"]+)"[^\n]*Hookpost is listening/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`${command} exited (${code}):\n${output}`)));
  });
  return {
    url,
    async metric(name: string) {
      const text = await (await fetch(new URL('/metrics', url))).text();
      return text.split('\n').filter((line) => line.startsWith(name)).reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    },
    // The whole process group: bash and the node process it started.
    stop: () => process.kill(-child.pid!, 'SIGTERM'),
  };
}
