import type { Command } from 'commander';
import { UsageError } from '../exit-codes.js';
import { jsonOption, remoteAction, remoteCommand } from './context.js';

interface PublishOptions {
  tenant: string;
  type: string;
  data: Record<string, unknown>;
  id?: string;
  resourceId?: string;
  deliverAt?: string;
}

/** `hookpost publish` and `hookpost trigger`: print the event id, or the published event with --json. */
export function registerPublishCommands(program: Command): void {
  remoteCommand(program, 'publish', 'publish an event; prints its id')
    .requiredOption('--tenant <tenant>', 'the tenant to publish for')
    .requiredOption('--type <type>', 'the event type')
    .requiredOption('--data <json>', 'the payload, a JSON object', jsonOption('--data'))
    .option('--id <id>', 'the event id (a repeated id publishes nothing new)')
    .option('--resource-id <id>', 'the resource the event is about')
    .option('--deliver-at <time>', 'deliver at this RFC 3339 time instead of now')
    .action(
      remoteAction(async ({ client, out }, options: PublishOptions) => {
        const published = await client.events.publish(options.tenant, {
          type: options.type,
          data: options.data,
          id: options.id,
          ...(options.resourceId ? { resource_id: options.resourceId } : {}),
          ...(options.deliverAt ? { deliver_at: options.deliverAt } : {}),
        });
        out.result(published.id, published);
      }),
    );

  remoteCommand(program, 'trigger', "publish an event type's example payload (a quick test); prints the event id")
    .argument('<event-type>', 'the event type whose example to publish')
    .requiredOption('--tenant <tenant>', 'the tenant to publish for')
    .action(
      remoteAction(async ({ client, out }, type: string, options: { tenant: string }) => {
        const eventType = await client.eventTypes.get(type);
        if (!eventType.example) throw new UsageError(`The event type ${type} has no example; publish with --data instead.`);
        const published = await client.events.publish(options.tenant, { type, data: eventType.example });
        out.result(published.id, published);
      }),
    );
}
