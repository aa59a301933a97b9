import { Command, InvalidArgumentError, Option, type CommanderError } from 'commander';
import type { HookpostClient } from '../../client/index.js';
import { REMOTE_ENVIRONMENT, resolveRemote } from '../../config/remote.js';
import { EXIT, UsageError } from '../exit-codes.js';
import type { Output } from '../output.js';

/** The options every remote command takes. */
export interface RemoteOptions {
  url?: string;
  token?: string;
  profile?: string;
  json?: boolean;
}

/** What a remote command's action works with. */
export interface Remote {
  client: HookpostClient;
  out: Output;
}

const ENVIRONMENT_HELP = `\nEnvironment:\n${REMOTE_ENVIRONMENT.map(([name, meaning]) => `  ${name.padEnd(18)} ${meaning}`).join('\n')}\n`;

/** A subcommand that talks to a running server: --url, --token, --profile and --json, and the environment in its --help. */
export function remoteCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .addOption(new Option('--url <url>', 'the Hookpost server'))
    .addOption(new Option('--token <token>', 'bearer token (admin token or tenant API key)'))
    .addOption(new Option('--profile <name>', 'profile of the profile file'))
    .option('--json', 'print JSON (for scripts)')
    .addHelpText('after', ENVIRONMENT_HELP)
    .exitOverride(usageExit);
}

// Commander exits with 1 on bad usage; ours is 2 (see exit-codes.ts). --help and --version stay 0.
function usageExit(error: CommanderError): never {
  process.exit(error.exitCode === 0 ? 0 : EXIT.usage);
}

/** A group of subcommands (`hookpost tenants …`), whose --help also names the environment. */
export function commandGroup(parent: Command, name: string, description: string): Command {
  return parent.command(name).description(description).addHelpText('after', ENVIRONMENT_HELP).exitOverride(usageExit);
}

/**
 * Runs a remote action: builds the client from flags, environment or profile, prints failures
 * to stderr and exits with a code that says what went wrong (see exit-codes.ts).
 */
export function remoteAction<A extends unknown[]>(work: (remote: Remote, ...args: A) => Promise<void>) {
  return async (...args: A) => {
    // Loaded by the remote command that runs, not by every start of the CLI (`serve` among them).
    const [{ HookpostClient }, { Output }, { describeFailure }] = await Promise.all([
      import('../../client/index.js'),
      import('../output.js'),
      import('./failure.js'),
    ]);
    const command = args[args.length - 1] as Command;
    const options = command.opts<RemoteOptions>();
    let client: HookpostClient | undefined;
    const isTty = Boolean(process.stdout.isTTY);
    try {
      const settings = resolveRemote(options, isTty);
      if (settings.token === null) throw new UsageError('No token: pass --token, set HOOKPOST_TOKEN, or add one to a profile.');
      client = new HookpostClient({ url: settings.url, token: settings.token, userAgent: 'hookpost-cli' });
      await work({ client, out: new Output(Boolean(options.json), settings.colour) }, ...args);
    } catch (error) {
      const failure = describeFailure(error);
      process.stderr.write(`hookpost: ${failure.message}\n`);
      process.exitCode = failure.code;
    } finally {
      await client?.close();
    }
  };
}

/** Parses a JSON option value, naming the option when it is not JSON. */
export function jsonOption(name: string) {
  return (value: string): Record<string, unknown> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw new InvalidArgumentError(`${name} is not JSON: ${(error as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidArgumentError(`${name} must be a JSON object.`);
    return parsed as Record<string, unknown>;
  };
}

/** A comma-separated list. */
export const list = (value: string): string[] => value.split(',').map((item) => item.trim()).filter(Boolean);
