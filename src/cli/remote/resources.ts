import type { Command } from 'commander';
import type { ApiKeyInfo, EventType, Subscription, Tenant } from '../../client/index.js';
import { commandGroup, jsonOption, list, remoteAction, remoteCommand } from './context.js';

const TENANT_COLUMNS: [string, (t: Tenant) => unknown][] = [
  ['id', (t) => t.id],
  ['name', (t) => t.name],
  ['created', (t) => t.created_at],
];
const KEY_COLUMNS: [string, (k: ApiKeyInfo) => unknown][] = [
  ['id', (k) => k.id],
  ['name', (k) => k.name],
  ['scopes', (k) => k.scopes.join(' ')],
  ['last used', (k) => k.last_used_at],
  ['revoked', (k) => k.revoked_at],
];
const EVENT_TYPE_COLUMNS: [string, (t: EventType) => unknown][] = [
  ['name', (t) => t.name],
  ['description', (t) => (t.description.length > 60 ? `${t.description.slice(0, 57)}…` : t.description)],
  ['example', (t) => (t.example ? 'yes' : 'no')],
];
const SUBSCRIPTION_COLUMNS: [string, (s: Subscription) => unknown][] = [
  ['id', (s) => s.id],
  ['url', (s) => s.url],
  ['event types', (s) => s.event_types.join(' ')],
  ['active', (s) => s.active],
];

/** Collects every item of an async iterator (lists print whole, however many pages they take). */
async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const collected: T[] = [];
  for await (const item of items) collected.push(item);
  return collected;
}

/** `hookpost tenants|keys|event-types|subscriptions …`. */
export function registerResourceCommands(program: Command): void {
  const tenants = commandGroup(program, 'tenants', 'list, create, show and delete tenants (admin token)');
  remoteCommand(tenants, 'list', 'list every tenant').action(
    remoteAction(async ({ client, out }) => out.table(await all(client.tenants.iterate()), TENANT_COLUMNS)),
  );
  remoteCommand(tenants, 'create', 'create a tenant; prints its id')
    .requiredOption('--name <name>', "the tenant's name")
    .option('--id <id>', 'its id (letters, digits, - and _), else one is made')
    .action(
      remoteAction(async ({ client, out }, options: { name: string; id?: string }) => {
        const tenant = await client.tenants.create({ name: options.name, ...(options.id ? { id: options.id } : {}) });
        out.result(tenant.id, tenant);
      }),
    );
  remoteCommand(tenants, 'get', 'show a tenant')
    .argument('<tenant>')
    .action(remoteAction(async ({ client, out }, id: string) => out.record(await client.tenants.get(id))));
  remoteCommand(tenants, 'delete', "delete a tenant: its keys stop working and its subscriptions stop receiving at once")
    .argument('<tenant>')
    .action(
      remoteAction(async ({ client, out }, id: string) => {
        await client.tenants.delete(id);
        out.result(`deleted ${id}`, { id, deleted: true });
      }),
    );

  const keys = commandGroup(program, 'keys', "list, create and delete (revoke) API keys: a tenant's with --tenant, else admin keys");
  remoteCommand(keys, 'list', 'list keys (never their tokens)')
    .option('--tenant <tenant>', "the tenant's keys (default: the admin keys)")
    .action(
      remoteAction(async ({ client, out }, options: { tenant?: string }) => {
        const rows = options.tenant ? await all(client.apiKeys.iterate(options.tenant)) : (await client.apiKeys.listAdmin({ limit: 250 })).data;
        out.table(rows, KEY_COLUMNS);
      }),
    );
  remoteCommand(keys, 'create', 'create a key; prints its token, shown this once')
    .option('--tenant <tenant>', 'a key of this tenant (default: an admin key)')
    .option('--name <name>', 'a name to recognise it by')
    .option('--scopes <scopes>', 'comma-separated scopes (default: the tenant scopes)', list)
    .action(
      remoteAction(async ({ client, out }, options: { tenant?: string; name?: string; scopes?: string[] }) => {
        const body = { ...(options.name ? { name: options.name } : {}), ...(options.scopes ? { scopes: options.scopes } : {}) };
        const key = options.tenant ? await client.apiKeys.create(options.tenant, body) : await client.apiKeys.createAdmin(body);
        out.result(key.key, key);
        out.note(out.dim(`key ${key.id}: keep the token now, it is not shown again.`));
      }),
    );
  remoteCommand(keys, 'delete', 'revoke a key')
    .alias('revoke')
    .argument('<key-id>')
    .option('--tenant <tenant>', "the key's tenant (default: an admin key)")
    .action(
      remoteAction(async ({ client, out }, id: string, options: { tenant?: string }) => {
        if (options.tenant) await client.apiKeys.revoke(options.tenant, id);
        else await client.apiKeys.revokeAdmin(id);
        out.result(`revoked ${id}`, { id, revoked: true });
      }),
    );

  const eventTypes = commandGroup(program, 'event-types', 'list, show and create event types');
  remoteCommand(eventTypes, 'list', 'list the catalog').action(
    remoteAction(async ({ client, out }) => out.table(await all(client.eventTypes.iterate()), EVENT_TYPE_COLUMNS)),
  );
  remoteCommand(eventTypes, 'get', 'show an event type with its schema and example')
    .argument('<name>')
    .action(remoteAction(async ({ client, out }, name: string) => out.record(await client.eventTypes.get(name))));
  remoteCommand(eventTypes, 'create', 'define an event type (admin token)')
    .requiredOption('--name <name>', 'e.g. invoice.paid')
    .option('--description <text>', 'what happened')
    .option('--schema <json>', 'a JSON Schema its payloads must match', jsonOption('--schema'))
    .option('--example <json>', 'an example payload (what `hookpost trigger` sends)', jsonOption('--example'))
    .action(
      remoteAction(async ({ client, out }, options: { name: string; description?: string; schema?: Record<string, unknown>; example?: Record<string, unknown> }) => {
        const created = await client.eventTypes.create({
          name: options.name,
          ...(options.description ? { description: options.description } : {}),
          ...(options.schema ? { schema: options.schema } : {}),
          ...(options.example ? { example: options.example } : {}),
        });
        out.result(created.name, created);
      }),
    );

  const subscriptions = commandGroup(program, 'subscriptions', "list, create, show and delete a tenant's subscriptions");
  remoteCommand(subscriptions, 'list', 'list subscriptions')
    .requiredOption('--tenant <tenant>')
    .action(remoteAction(async ({ client, out }, options: { tenant: string }) => out.table(await all(client.subscriptions.iterate(options.tenant)), SUBSCRIPTION_COLUMNS)));
  remoteCommand(subscriptions, 'create', 'subscribe a URL to event types; prints the id and the signing secret')
    .requiredOption('--tenant <tenant>')
    .requiredOption('--endpoint <url>', 'where deliveries are POSTed')
    .requiredOption('--event-types <types>', 'comma-separated event types, or *', list)
    .option('--secret <whsec>', 'the signing secret (default: a new one)')
    .option('--filter <json>', 'a filter on the event (see docs/concepts.md)', jsonOption('--filter'))
    .action(
      remoteAction(async ({ client, out }, options: { tenant: string; endpoint: string; eventTypes: string[]; secret?: string; filter?: Record<string, unknown> }) => {
        const created = await client.subscriptions.create(options.tenant, {
          url: options.endpoint,
          event_types: options.eventTypes,
          ...(options.secret ? { secret: options.secret } : {}),
          ...(options.filter ? { filter: options.filter } : {}),
        });
        if (out.json) out.result('', created);
        else out.record({ id: created.id, secret: created.secret, url: created.url, event_types: created.event_types.join(' ') });
      }),
    );
  remoteCommand(subscriptions, 'get', 'show a subscription')
    .argument('<id>')
    .requiredOption('--tenant <tenant>')
    .action(remoteAction(async ({ client, out }, id: string, options: { tenant: string }) => out.record(await client.subscriptions.get(options.tenant, id))));
  remoteCommand(subscriptions, 'delete', 'delete a subscription (its deliveries stop)')
    .argument('<id>')
    .requiredOption('--tenant <tenant>')
    .action(
      remoteAction(async ({ client, out }, id: string, options: { tenant: string }) => {
        await client.subscriptions.delete(options.tenant, id);
        out.result(`deleted ${id}`, { id, deleted: true });
      }),
    );
}
