import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCountingReceiver, type CountingReceiver } from '../support/counting-receiver.js';
import { startProcess, type HookpostProcess } from '../support/process.js';
import { Ledger, untilDone } from './ledger.js';
import { admin, chaosEnv, setUp } from './scenario.js';

// The disk holding SQLite fills up: publish answers 503 (never 500, never a 202 it cannot keep),
// and once space is freed everything acknowledged is delivered and publishing works again.
// Needs a small file system of its own: a tmpfs, which only root may mount. Elsewhere (no root,
// or a container that forbids mount) this scenario is skipped, and says so.

function mountTmpfs(megabytes: number): string | null {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hookpost-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', dir], { stdio: 'pipe' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
}

const mounted = process.getuid?.() === 0 ? mountTmpfs(16) : null;
if (!mounted) process.stdout.write('[chaos] disk full: skipped, this machine cannot mount a tmpfs (needs root)\n');

describe.skipIf(!mounted)('chaos: the disk holding SQLite fills up', () => {
  let server: HookpostProcess | undefined;
  let receiver: CountingReceiver | undefined;
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await server?.exited;
    await receiver?.close();
    if (mounted) execFileSync('umount', ['-l', mounted]);
  });

  it('answers 503 while the disk is full, loses nothing acknowledged, and recovers when space is freed', async () => {
    receiver = await startCountingReceiver();
    const counting = receiver;
    const env = chaosEnv({ HOOKPOST_DATA_DIR: mounted! });
    const token = env.HOOKPOST_ADMIN_TOKEN!;
    server = await startProcess(env);
    const api = server;
    await setUp(api, token, 'full', ['full.order'], [{ url: counting.url, types: ['full.order'] }]);

    // Leave about 256 KB free.
    const filler = path.join(mounted!, 'filler');
    const { bavail, bsize } = statfsSync(mounted!);
    writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - 256 * 1024)));

    const ledger = new Ledger('disk full (SQLite)');
    const payload = { blob: 'x'.repeat(4000) };
    const statuses = new Map<number, number>();
    let unavailable = 0;
    for (let n = 0; n < 2000 && unavailable < 20; n += 1) {
      const answer = await admin(api, token, 'POST', '/v1/tenants/full/events', { type: 'full.order', data: { n, ...payload } });
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      if (answer.status === 202) ledger.publish(answer.body.id);
      else if (answer.status === 503) {
        unavailable += 1;
        expect(answer.headers['retry-after']).toBeDefined();
      } else throw new Error(`publish answered ${answer.status} on a full disk: ${JSON.stringify(answer.body)}`);
    }
    process.stdout.write(`[chaos] disk full: answers ${JSON.stringify(Object.fromEntries(statuses))}\n`);
    expect(unavailable).toBeGreaterThan(0);

    rmSync(filler);
    const after = await admin(api, token, 'POST', '/v1/tenants/full/events', { type: 'full.order', data: { after: true } });
    expect(after.status).toBe(202);
    ledger.publish(after.body.id);
    await untilDone(() => ledger.missing(counting.accepted).length === 0, () => counting.accepted.size, 30_000, 'every acknowledged event delivered');
    for (const [id, n] of counting.received) for (let i = 0; i < n; i += 1) ledger.receive(id);
    // Outcomes that could not be written while the disk was full are sent again: at most what was held then.
    ledger.inFlightAtFaults = 2 * 32;
    ledger.settle();
  }, 120_000);
});
