import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startServer, type TestServer } from './support/server.js';
import { postgresServerUrl } from './support/stores.js';
import { createTestDatabase } from './support/test-databases.js';

// Every code example of the pages below is run: ```js test and ```ts test blocks as ES modules
// (TypeScript transpiled), ```sh test blocks with bash, each page's blocks in order against a
// fresh server whose URL and admin token are in HOOKPOST_URL and HOOKPOST_TOKEN. A js, ts or sh
// block not marked `test` fails the suite; ```console blocks are long-running commands (npm
// start, listen, tail) and ```json blocks are file contents.

const PAGES = ['quick-start.md', 'cli.md', 'client.md', 'verify.md', 'embedded.md', 'operations.md', 'configuration.md', 'concepts.md'];
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
    const open = /^```(\S*)\s*(.*)$/.exec(lines[i]!);
    if (!open || open[1] === '') continue;
    const start = i;
    const code: string[] = [];
    for (i += 1; i < lines.length && !lines[i]!.startsWith('```'); i += 1) code.push(lines[i]!);
    found.push({ lang: open[1]!, flags: open[2]!.split(/\s+/).filter(Boolean), code: code.join('\n'), line: start + 1 });
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

// `npx hookpost …` in a shell example runs this checkout's CLI.
const NPX_SHIM = `npx() { if [ "$1" = hookpost ]; then shift; node ${JSON.stringify(BIN)} "$@"; else command npx "$@"; fi; }\n`;

describe('documentation examples', { timeout: 600_000 }, () => {
  beforeAll(() => mkdirSync(SCRIPTS, { recursive: true }));
  afterAll(() => rmSync(SCRIPTS, { recursive: true, force: true }));

  it('marks every js, ts and sh block of the pages as run by this test', () => {
    const unmarked = PAGES.flatMap((page) => blocks(page).filter((b) => RUNNABLE.has(b.lang) && !b.flags.includes('test')).map((b) => `${page}:${b.line}`));
    expect(unmarked).toEqual([]);
    const languages = new Set(PAGES.flatMap((page) => blocks(page).map((b) => b.lang)));
    for (const lang of languages) expect(['js', 'ts', 'sh', 'console', 'json', 'text']).toContain(lang);
  });

  for (const page of PAGES.filter((p) => readdirSync('docs').includes(p))) {
    const examples = blocks(page).filter((b) => b.flags.includes('test'));
    if (examples.length === 0) continue;
    describe(page, () => {
      let server: TestServer;
      let cwd: string;
      beforeAll(async () => {
        server = await startServer();
        cwd = mkdtempSync(path.join(os.tmpdir(), 'hookpost-docs-'));
      });
      afterAll(() => server.close());

      for (const example of examples) {
        const needsPostgres = example.flags.includes('postgres');
        it.skipIf(needsPostgres && !postgresServerUrl())(`runs the ${example.lang} example at line ${example.line}`, async () => {
          const env: Record<string, string> = { HOOKPOST_URL: server.url, HOOKPOST_TOKEN: server.adminToken, HOOKPOST_PROFILES: path.join(cwd, 'none.json') };
          if (needsPostgres) env.DATABASE_URL = await createTestDatabase(postgresServerUrl()!, inject('postgresRunId'));
          let result: { code: number; output: string };
          if (example.lang === 'sh') {
            result = await run('bash', ['-euo', 'pipefail', '-c', NPX_SHIM + example.code], { env, cwd });
          } else {
            const source = example.lang === 'ts'
              ? ts.transpileModule(example.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
              : example.code;
            const file = path.join(SCRIPTS, `${page.replace('.md', '')}-${example.line}.mjs`);
            writeFileSync(file, source);
            result = await run(process.execPath, [file], { env, cwd });
          }
          expect(result.code, result.output).toBe(0);
        });
      }
    });
  }
});
