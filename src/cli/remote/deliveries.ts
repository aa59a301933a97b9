import { InvalidArgumentError, type Command } from 'commander';
import type { Delivery, DeliveryQuery, HookpostClient } from '../../client/index.js';
import { UsageError } from '../exit-codes.js';
import type { Output } from '../output.js';
import { commandGroup, remoteAction, remoteCommand } from './context.js';

const STATUSES = ['pending', 'in_flight', 'succeeded', 'failed'] as const;

function statusOption(value: string): DeliveryQuery['status'] {
  if (!(STATUSES as readonly string[]).includes(value)) throw new InvalidArgumentError(`--status must be one of ${STATUSES.join(', ')}.`);
  return value as DeliveryQuery['status'];
}

function deliveryColumns(out: Output): [string, (d: Delivery) => unknown][] {
  return [
    ['id', (d) => d.id],
    ['event', (d) => d.event_id],
    ['subscription', (d) => d.subscription_id],
    ['status', (d) => out.status(d.status)],
    ['attempts', (d) => d.attempt_count],
    ['last', (d) => d.last_status_code ?? d.last_error],
    ['next attempt', (d) => d.next_attempt_at],
  ];
}

interface FilterOptions {
  tenant: string;
  event?: string;
  subscription?: string;
  status?: DeliveryQuery['status'];
}

const query = (options: FilterOptions): DeliveryQuery => ({
  ...(options.event ? { event_id: options.event } : {}),
  ...(options.subscription ? { subscription_id: options.subscription } : {}),
  ...(options.status ? { status: options.status } : {}),
});

/** `hookpost deliveries list|get|retry|recover` and `hookpost tail`. */
export function registerDeliveryCommands(program: Command): void {
  const deliveries = commandGroup(program, 'deliveries', 'list, show, retry and recover deliveries');
  remoteCommand(deliveries, 'list', 'list deliveries, newest first')
    .requiredOption('--tenant <tenant>')
    .option('--event <id>', "only this event's")
    .option('--subscription <id>', "only this subscription's")
    .option('--status <status>', STATUSES.join(' | '), statusOption)
    .option('--limit <n>', 'how many at most', (v) => Number(v), 50)
    .action(
      remoteAction(async ({ client, out }, options: FilterOptions & { limit: number }) => {
        const page = await client.deliveries.list(options.tenant, query(options), { limit: Math.min(250, Math.max(1, options.limit)) });
        out.table(page.data, deliveryColumns(out));
      }),
    );
  remoteCommand(deliveries, 'get', 'show a delivery and its attempts')
    .argument('<id>')
    .requiredOption('--tenant <tenant>')
    .action(
      remoteAction(async ({ client, out }, id: string, options: { tenant: string }) => {
        const delivery = await client.deliveries.get(options.tenant, id);
        if (out.json) return out.result('', delivery);
        const { attempts, ...fields } = delivery;
        out.record({ ...fields, status: out.status(delivery.status) });
        out.table(attempts, [
          ['#', (a) => a.number],
          ['started', (a) => a.started_at],
          ['ms', (a) => a.duration_ms],
          ['HTTP', (a) => a.status_code],
          ['error', (a) => a.error_message ?? a.error_class],
        ]);
      }),
    );
  remoteCommand(deliveries, 'retry', 'send deliveries again now: the ids given, or every delivery matching --status/--subscription/--event')
    .argument('[ids...]')
    .requiredOption('--tenant <tenant>')
    .option('--event <id>', "every delivery of this event")
    .option('--subscription <id>', "every delivery of this subscription")
    .option('--status <status>', 'every delivery in this state, e.g. failed', statusOption)
    .action(
      remoteAction(async ({ client, out }, ids: string[], options: FilterOptions) => {
        const filtered = options.event || options.subscription || options.status;
        if (ids.length === 0 && !filtered) throw new UsageError('Name delivery ids, or select deliveries with --status, --subscription or --event.');
        const targets = ids.length > 0 ? ids : await collectIds(client, options);
        const bar = out.progress(targets.length, 'retrying');
        let done = 0;
        for (const id of targets) {
          await client.deliveries.retry(options.tenant, id);
          bar.update((done += 1));
        }
        bar.stop();
        out.result(`retried ${done} deliveries`, { retried: targets });
      }),
    );
  remoteCommand(deliveries, 'recover', "re-send what a subscription missed since a time, as a server task; waits for it with a progress line")
    .requiredOption('--tenant <tenant>')
    .requiredOption('--subscription <id>')
    .requiredOption('--since <time>', 'RFC 3339 time to recover from')
    .option('--until <time>', 'RFC 3339 time to recover up to (default: now)')
    .option('--no-wait', 'print the task id and return at once')
    .action(
      remoteAction(async ({ client, out }, options: { tenant: string; subscription: string; since: string; until?: string; wait: boolean }) => {
        const { task_id } = await client.subscriptions.recover(options.tenant, options.subscription, {
          since: options.since,
          ...(options.until ? { until: options.until } : {}),
        });
        if (!options.wait) return out.result(task_id, { task_id });
        out.note(out.dim(`task ${task_id} running…`));
        const task = await client.tasks.wait(options.tenant, task_id);
        out.result(`task ${task_id}: ${task.status}`, task);
      }),
    );

  remoteCommand(program, 'tail', 'follow deliveries as they happen (Ctrl-C to stop)')
    .requiredOption('--tenant <tenant>')
    .option('--subscription <id>', "only this subscription's")
    .option('--interval <ms>', 'how often to look, in milliseconds', (v) => Number(v), 1000)
    .action(
      remoteAction(async ({ client, out }, options: { tenant: string; subscription?: string; interval: number }) => {
        await followDeliveries(client, out, options);
      }),
    );
}

async function collectIds(client: HookpostClient, options: FilterOptions): Promise<string[]> {
  const ids: string[] = [];
  for await (const delivery of client.deliveries.iterate(options.tenant, query(options))) ids.push(delivery.id);
  return ids;
}

/**
 * Polls the newest deliveries and prints each one that is new or has moved on (another attempt,
 * another status), oldest first: one line each, or one JSON object per line with --json.
 * What existed before the tail started is not printed.
 */
async function followDeliveries(client: HookpostClient, out: Output, options: { tenant: string; subscription?: string; interval: number }): Promise<void> {
  const seen = new Map<string, string>();
  const stateOf = (d: Delivery) => `${d.status}/${d.attempt_count}`;
  const newest = () => client.deliveries.list(options.tenant, options.subscription ? { subscription_id: options.subscription } : {}, { limit: 100 });
  for (const delivery of (await newest()).data) seen.set(delivery.id, stateOf(delivery));
  out.note(out.dim(`following deliveries of ${options.tenant}; Ctrl-C to stop`));
  let stopped = false;
  process.once('SIGINT', () => (stopped = true));
  process.once('SIGTERM', () => (stopped = true));
  while (!stopped) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(100, options.interval)));
    const changed = (await newest()).data.filter((d) => seen.get(d.id) !== stateOf(d)).reverse();
    for (const delivery of changed) {
      seen.set(delivery.id, stateOf(delivery));
      if (out.json) {
        out.out.write(`${JSON.stringify(delivery)}\n`);
        continue;
      }
      const last = delivery.attempts.at(-1);
      const outcome = last ? (last.status_code !== null ? `HTTP ${last.status_code}` : (last.error_class ?? '')) : '';
      out.out.write(
        `${out.dim(new Date().toISOString())}  ${out.status(delivery.status.padEnd(9))}  ${delivery.id}  ${delivery.event_id} → ${delivery.subscription_id}  ` +
          `${out.dim(`attempt ${delivery.attempt_count}${outcome ? `, ${outcome}` : ''}`)}\n`,
      );
    }
  }
}
