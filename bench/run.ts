// `npm run bench` [-- --quick | --smoke] [-- --only=name,name]: every scenario of issue 9's table,
// each with Hookpost, the receiver and the load generator as separate processes, beside raw undici
// POSTs to the same receiver in the same run. Writes bench/results/<date>.json and .md.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Receiver, hookpostRoot } from './processes.js';
import * as scenarios from './scenarios.js';
import type { Context, Row } from './scenarios.js';

const args = process.argv.slice(2);
const mode = args.includes('--smoke') ? 'smoke' : args.includes('--quick') ? 'quick' : 'full';
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const sizes = scenarios.SIZES[mode];
const here = path.dirname(fileURLToPath(import.meta.url));

async function main(): Promise<number> {
  const receiver = await Receiver.start();
  const log = (line: string) => console.log(line);
  const rows: Row[] = [];
  let failures = 0;
  try {
    const rawBefore = await scenarios.measureRaw(receiver, sizes.events);
    log(`raw undici: ${Math.round(rawBefore)} POSTs/s`);
    const ctx: Context = { sizes, receiver, rawRate: rawBefore, log };
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
      ['bullmq', () => scenarios.bullmq(ctx, singleRate)],
      ['fanout', () => scenarios.fanOut(ctx)],
      ['cost', () => scenarios.publishCost(ctx)],
      ['backlog', () => scenarios.dueBacklog(ctx)],
      ['fairness', () => scenarios.tenantFairness(ctx)],
      ['hanging', () => scenarios.halfHanging(ctx)],
      ['idle', () => scenarios.idle()],
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
    const rawAfter = await scenarios.measureRaw(receiver, sizes.events);
    log(`raw undici again: ${Math.round(rawAfter)} POSTs/s`);
    write(rows, rawBefore, rawAfter);
  } finally {
    receiver.stop();
  }
  return failures;
}

function write(rows: Row[], rawBefore: number, rawAfter: number): void {
  const date = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = path.resolve(here, '../../bench/results');
  mkdirSync(dir, { recursive: true });
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;
  const file = path.join(dir, `${date}${mode === 'full' ? '' : `-${mode}`}`);
  writeFileSync(`${file}.json`, JSON.stringify({ date, mode, machine, hookpostRoot, rawBefore, rawAfter, sizes, rows }, null, 2));
  const lines = [
    `Mode ${mode}; ${machine}. Raw undici POSTs to the same receiver, this run: ${Math.round(rawBefore)}/s before, ${Math.round(rawAfter)}/s after (ratios use the first).`,
    '',
    '| scenario | measured | ratio | target | met |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.scenario}${r.note ? ` (${r.note})` : ''} | ${r.measured} | ${r.ratio === null ? '' : r.ratio.toFixed(3)} | ${r.target} | ${r.met === null ? 'n/a' : r.met ? 'yes' : 'no'} |`),
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
