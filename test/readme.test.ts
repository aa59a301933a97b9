import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './support/ports.js';
import { call, eventually } from './support/server.js';

// The README's walkthrough is a test: every shell block of it runs, in order, against a fresh
// installation directory (its own ./data), with `npm start` as a real process and the receiver
// the walkthrough starts. Only what cannot be the same on a test machine is changed: the ports
// 8040 and 9000 become free ones (another Hookpost may be running), and `npx hookpost` runs the
// package's bin directly (npx of a package that is not installed would install it into npm's
// cache first; the bin is what it then runs, and this test checks that it is the package's bin).

const execute = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const BIN = path.join(ROOT, 'bin', 'hookpost.js');

/** The ```sh blocks of the walkthrough section, in order. */
function walkthroughBlocks(): string[] {
  const start = README.indexOf('## Five-minute walkthrough');
  const end = README.indexOf('\n## ', start + 1);
  const section = README.slice(start, end);
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((match) => match[1]!.trim());
}

/** Whether a block runs in the background: the server (`npm start`, "in a first terminal") or a command ending in `&`. */
function isBackground(block: string): boolean {
  return /(^|\s)npm start$/.test(block) || block.endsWith('&');
}

describe('the README walkthrough', () => {
  const background: ChildProcess[] = [];
  afterAll(() => {
    for (const child of background) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  it('runs every command in order on a fresh install and delivers with a verified signature', async () => {
    const blocks = walkthroughBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(7);
    // Local receivers need the SSRF guard relaxed, and the walkthrough says so before anything else.
    expect(blocks[0]).toBe('HOOKPOST_ALLOW_PRIVATE_TARGETS=1 npm start');
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.bin.hookpost).toBe('bin/hookpost.js');
    expect(pkg.scripts.start).toBe('node bin/hookpost.js serve');

    // A fresh installation directory: the package's manifest and bin, nothing else (no ./data).
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hookpost-readme-'));
    copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
    symlinkSync(path.join(ROOT, 'bin'), path.join(dir, 'bin'));
    const state = path.join(dir, '.walkthrough-env');
    writeFileSync(state, '');
    const [serverPort, receiverPort] = [await freePort(), await freePort()];
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, HOOKPOST_PORT: String(serverPort) };
    const adapt = (block: string) =>
      block
        .replaceAll('8040', String(serverPort))
        .replaceAll('9000', String(receiverPort))
        .replaceAll('npx hookpost', `node ${BIN}`);

    let receiverOutput = '';
    let serverOutput = '';
    const outputs: string[] = [];
    const stateValue = (name: string) => new RegExp(`declare -x ${name}="([^"]*)"`).exec(readFileSync(state, 'utf8'))?.[1];

    for (const original of blocks) {
      const block = adapt(original);
      if (isBackground(original)) {
        const command = block.replace(/\s*&$/, '');
        const child = spawn('bash', ['-c', `set -a; source ${state}; set +a; ${command}`], { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
        background.push(child);
        const isServer = /npm start$/.test(command);
        const collect = (chunk: Buffer) => (isServer ? (serverOutput += chunk.toString()) : (receiverOutput += chunk.toString()));
        child.stdout!.on('data', collect);
        child.stderr!.on('data', collect);
        if (isServer) {
          await eventually(() => (existsSync(path.join(dir, 'data', 'admin-token')) && serverOutput.includes('Hookpost is listening') ? true : undefined), 60_000, 'the server to start').catch((error) => {
            throw new Error(`${(error as Error).message}:\n${serverOutput}`);
          });
        } else {
          await eventually(() => (receiverOutput.includes('Listening for webhooks') ? true : undefined), 30_000, 'the receiver to start').catch((error) => {
            throw new Error(`${(error as Error).message}:\n${receiverOutput}`);
          });
        }
        outputs.push('');
        continue;
      }
      const script = `set -eo pipefail\nsource ${state}\n${block}\nexport -p > ${state}\n`;
      const result = await execute('bash', ['-c', script], { cwd: dir, env }).catch((error) => error);
      expect(result.code ?? 0, `${original}\n${result.stdout}\n${result.stderr}`).toBe(0);
      outputs.push(result.stdout);
      if (/\/events\b/.test(original)) {
        // "Watch the webhook arrive": the next step reads the delivery log once it has.
        const eventId = JSON.parse(result.stdout).id as string;
        await eventually(() => (receiverOutput.includes(`webhook-id: ${eventId}`) ? true : undefined), 30_000, `the webhook:\n${receiverOutput}`);
        const server = { url: `http://127.0.0.1:${serverPort}` };
        await eventually(async () => {
          const log = await call(server, 'GET', `/v1/tenants/acme/deliveries?event_id=${eventId}`, { token: stateValue('KEY')! });
          return log.body.data?.[0]?.status === 'succeeded' ? true : undefined;
        }, 30_000, 'the delivery to be recorded');
      }
    }

    const published = outputs.find((output, i) => /\/events\b/.test(blocks[i]!))!;
    const eventId = JSON.parse(published).id as string;
    expect(eventId).toMatch(/^evt_/);
    expect(outputs.some((output) => output.includes('"id":"acme"'))).toBe(true);
    expect(outputs.some((output) => output.includes('"name":"enrollment.created"'))).toBe(true);
    expect(stateValue('SECRET')).toMatch(/^whsec_/);
    expect(stateValue('DELIVERY')).toMatch(/^dlv_/);
    expect(receiverOutput).toContain(`webhook-id: ${eventId}   signature verified`);
    expect(receiverOutput).toContain('"student_id": "stu_42"');
    expect(receiverOutput).not.toContain('SIGNATURE INVALID');

    // The manual retry sends it again, verified again.
    await eventually(() => (receiverOutput.split(`webhook-id: ${eventId}   signature verified`).length - 1 >= 2 ? true : undefined), 30_000, `the retried delivery:\n${receiverOutput}`);
    expect(receiverOutput).not.toContain('SIGNATURE INVALID');
  }, 240_000);
});
