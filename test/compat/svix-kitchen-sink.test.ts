import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { expect, it } from 'vitest';
import type { TestServer, TestTenant } from '../support/server.js';
import { describeEachStore } from '../support/stores.js';
import { usePlatformFixture } from './shared-harness.js';

// The svix package ships its own end-to-end test, src/KitchenSink.test.ts (node:test, run against
// the server named by SVIX_SERVER_URL with SVIX_TOKEN). It runs here unchanged against Hookpost:
// compiled from the package's TypeScript, with its `import … from "."` pointed at the package
// itself, in a node process of its own.

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const PACKAGES = [
  { line: '1.x', name: 'svix' },
  { line: '2.x', name: 'svix2' },
];

/** The package's kitchen-sink test as an ES module importing the package's own build. */
function compileKitchenSink(packageName: string): string {
  const root = path.dirname(require.resolve(`${packageName}/package.json`));
  const source = readFileSync(path.join(root, 'src', 'KitchenSink.test.ts'), 'utf8');
  const entry = pathToFileURL(require.resolve(packageName)).href;
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const pointed = outputText.replace(/from ["']\.["']/g, `from ${JSON.stringify(entry)}`);
  expect(pointed).toContain(entry);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'svix-kitchen-sink-')), 'KitchenSink.test.mjs');
  writeFileSync(file, pointed);
  return file;
}

describeEachStore('The svix package’s own kitchen-sink test against Hookpost', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  usePlatformFixture(store, (fixture) => ({ server, tenant } = fixture));

  for (const { line, name } of PACKAGES) {
    it(`passes with svix ${line}, skipping nothing`, async () => {
      const file = compileKitchenSink(name);
      const { stdout } = await run(process.execPath, ['--test', '--test-reporter=tap', file], {
        env: { ...process.env, SVIX_TOKEN: tenant.key, SVIX_SERVER_URL: `${server.url}/compat/svix` },
        timeout: 60_000,
      });
      // Exit code 0 (execFile rejects otherwise), both the suite and its subtest passed, nothing skipped.
      expect(stdout).toMatch(/^# pass 2$/m);
      expect(stdout).toMatch(/^# fail 0$/m);
      expect(stdout).toMatch(/^# skipped 0$|^# skip 0$/m);
    });
  }
});
