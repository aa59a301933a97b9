// `npm run bench` [-- --quick | --smoke] [-- --only=name,name]: every scenario of issue 9's table,
// each with Hookpost, the receiver and the load generator as separate processes, beside raw undici
// POSTs to the same receiver in the same run; every throughput is measured warm (throughput.ts).
// Writes bench/results/<date>.json and .md.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Receiver, hookpostRoot } from './processes.js';
import * as scenarios from './scenarios.js';
import type { Context, Row } from './scenarios.js';
import { SIZES } from './sizes.js';
import { measureRaw, type Throughput } from './throughput.js';

const args = process.argv.slice(2);
const mode = args.includes('--smoke') ? 'smoke' : args.includes('--quick') ? 'quick' : 'full';
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const sizes = SIZES[mode];
const here = path.dirname(fileURLToPath(import.meta.url));

async function main(): Promise<number> {
  const receiver = await Receiver.start();
  const log = (line: string) => console.log(line);
  const rows: Row[] = [];
  let failures = 0;
  try {
    const rawBefore = await measureRaw({ sizes, receiver });
    log(`raw undici: ${Math.round(rawBefore.rate)} POSTs/s (${rawBefore.method})`);
    const ctx: Context = { sizes, receiver, log };
    let singleRate = 0;
    const plan: Array<[string, () => Promise<Row[]>]> = [
      ['single', async () => {
        const r = await scenarios.singlePublishes(ctx);
        singleRate = r[0]!.value;
        return r;
      }],
      ['batch', () => scenarios.batchPublishes(ctx)],
      ['latency', () => scenarios.latency(ctx)],
      ['postgres', () => scenarios.postgres(ctx)],
      // Compared with Hookpost's single publishes of this run (measured here if `single` was not run).
      ['bullmq', async () => scenarios.bullmq(ctx, singleRate || (await scenarios.singlePublishes(ctx))[0]!.value)],
      ['fanout', () => scenarios.fanOut(ctx)],
      ['cost', () => scenarios.publishCost(ctx)],
      ['backlog', () => scenarios.dueBacklog(ctx)],
      ['fairness', () => scenarios.tenantFairness(ctx)],
      ['hanging', () => scenarios.halfHanging(ctx)],
      ['idle', () => scenarios.idle(ctx)],
      ['ordering', () => scenarios.ordering(ctx)],
    ];
    for (const [name, run] of plan) {
      if (only && !only.includes(name)) continue;
      log(`scenario ${name} …`);
      try {
        const result = await run();
        for (const row of result) log(`  ${row.scenario}: ${row.measured}${row.ratio === null ? '' : ` (${row.ratio.toFixed(3)})`} target ${row.target} ${row.met === null ? '' : row.met ? 'MET' : 'not met'}`);
        rows.push(...result);
      } catch (error) {
        failures += 1;
        log(`  FAILED: ${(error as Error).stack ?? error}`);
        rows.push({ scenario: name, measured: `failed: ${(error as Error).message}`, value: 0, ratio: null, target: '', met: false });
      }
    }
    const rawAfter = await measureRaw({ sizes, receiver });
    log(`raw undici again: ${Math.round(rawAfter.rate)} POSTs/s`);
    write(rows, rawBefore, rawAfter);
  } finally {
    receiver.stop();
  }
  return failures;
}

const METHOD =
  'Every throughput is steady state: each load process first sends a warm-up of the same shape (callers, batch size, target; not counted), ' +
  'the receiver gets everything the warm-up caused and is reset, and the measured items are timed from their first request until the receiver ' +
  'has counted all they caused. "how measured" gives the warm-up and measured counts (docs/benchmarks.md).';

function write(rows: Row[], rawBefore: Throughput, rawAfter: Throughput): void {
  const date = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = path.resolve(here, '../../bench/results');
  mkdirSync(dir, { recursive: true });
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;
  const file = path.join(dir, `${date}${mode === 'full' ? '' : `-${mode}`}`);
  const raw = (measured: Throughput) => ({ rate: measured.rate, seconds: measured.seconds, method: measured.method });
  writeFileSync(`${file}.json`, JSON.stringify({ date, mode, machine, hookpostRoot, method: METHOD, rawBefore: raw(rawBefore), rawAfter: raw(rawAfter), sizes, rows }, null, 2));
  const lines = [
    `Mode ${mode}; ${machine}. Raw undici POSTs to the same receiver, this run: ${Math.round(rawBefore.rate)}/s before, ${Math.round(rawAfter.rate)}/s after; each ${rawBefore.method}. A ratio to raw uses raw measured again just before and just after its row, the mean of the two (in "how measured").`,
    '',
    METHOD,
    '',
    '| scenario | measured | ratio | target | met | how measured |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.scenario}${r.note ? ` (${r.note})` : ''} | ${r.measured} | ${r.ratio === null ? '' : r.ratio.toFixed(3)} | ${r.target} | ${r.met === null ? 'n/a' : r.met ? 'yes' : 'no'} | ${r.method ?? ''} |`),
  ];
  writeFileSync(`${file}.md`, lines.join('\n') + '\n');
  console.log('\n' + lines.join('\n'));
  console.log(`\nwritten: ${file}.json, ${file}.md`);
}

main().then(
  (failures) => process.exit(failures > 0 ? 1 : 0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
