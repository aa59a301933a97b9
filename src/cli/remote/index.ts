import type { Command } from 'commander';
import { registerDeliveryCommands } from './deliveries.js';
import { registerPublishCommands } from './publish.js';
import { registerResourceCommands } from './resources.js';

/** The commands that talk to a running server through hookpost/client. */
export function registerRemoteCommands(program: Command): void {
  registerPublishCommands(program);
  registerResourceCommands(program);
  registerDeliveryCommands(program);
}
