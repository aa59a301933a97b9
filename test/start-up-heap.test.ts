import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

// What holding the young generation while a thread starts does (src/cli/start-up-heap.ts), read
// in a fresh `node` process running the built module: V8's flags belong to the whole process.

const HEAP = pathToFileURL(path.resolve('dist/src/cli/start-up-heap.js')).href;
const HOLD = pathToFileURL(path.resolve('dist/src/cli/hold-young-generation.js')).href;

/** Runs `body` in a fresh process with `hold`, `release`, `keep()` (allocates 300,000 small objects and keeps them) and `newSpaceMb()`; returns what it prints as JSON. */
function inFreshProcess<T>(body: string, nodeArgs: string[] = []): T {
  const code = `
import { getHeapSpaceStatistics } from 'node:v8';
const { holdYoungGeneration: hold, releaseYoungGeneration: release } = await import(${JSON.stringify(HEAP)});
const kept = [];
const keep = () => { for (let i = 0; i < 300_000; i++) kept.push({ i, text: 'x' + i }); };
const newSpaceMb = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size / 2 ** 20;
console.log(JSON.stringify(await (async () => { ${body} })()));`;
  return JSON.parse(execFileSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', code], { encoding: 'utf8' })) as T;
}

describe('the young generation held while starting', () => {
  it('stays at its initial size while held and grows again once released', () => {
    const sizes = inFreshProcess<{ held: number; released: number }>(`
      hold();
      keep();
      const held = newSpaceMb();
      release();
      keep();
      keep();
      return { held, released: newSpaceMb() };`);
    expect(sizes.held).toBeLessThanOrEqual(4);
    expect(sizes.released).toBeGreaterThan(sizes.held);
  });

  it('is left to the operator who sets the growth factor', () => {
    const sizes = inFreshProcess<{ held: number }>(`
      hold();
      keep();
      return { held: newSpaceMb() };`, ['--semi-space-growth-factor=2']);
    expect(sizes.held).toBeGreaterThan(4);
  });

  // Node 20 and 22 apply V8's flags again when a worker thread starts, which ends a hold set
  // before; Node 24 does not. The delivery thread therefore holds its own start-up on every version.
  it('holds a worker thread\'s young generation when the thread imports hold-young-generation first', () => {
    const worker = (prelude: string) => `(async () => {
      ${prelude}
      const { getHeapSpaceStatistics } = await import('node:v8');
      const { parentPort } = await import('node:worker_threads');
      const kept = [];
      for (let i = 0; i < 300_000; i++) kept.push({ i, text: 'x' + i });
      parentPort.postMessage(getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size / 2 ** 20);
    })();`;
    const sizes = inFreshProcess<{ held: number; unheld: number }>(`
      const { Worker } = await import('node:worker_threads');
      const sizeIn = (code) => new Promise((resolve, reject) => {
        const thread = new Worker(code, { eval: true });
        thread.once('message', (size) => { void thread.terminate(); resolve(size); });
        thread.once('error', reject);
      });
      // Unheld first: the hold is process-wide and the held thread never releases it.
      const unheld = await sizeIn(${JSON.stringify(worker(''))});
      const held = await sizeIn(${JSON.stringify(worker(`await import(${JSON.stringify(HOLD)});`))});
      return { held, unheld };`);
    expect(sizes.held).toBeLessThanOrEqual(4);
    expect(sizes.unheld).toBeGreaterThan(4);
  });
});
