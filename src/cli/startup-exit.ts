import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { explainStartupFailure, type StartupStage } from './startup-failure.js';

/**
 * Ends a process whose start-up failed: one line on stderr saying what is wrong and what to
 * do, and the exit code of that kind of failure. The stack goes to the log only at debug level.
 */
export function exitOnStartupFailure(error: unknown, stage: StartupStage, config: Config | null, logger: Logger | null): never {
  const failure = explainStartupFailure(error, stage, config);
  if (logger?.isLevelEnabled('debug')) logger.debug({ err: error }, 'start-up failed');
  process.stderr.write(`hookpost: ${failure.message}\n`);
  process.exit(failure.exitCode);
}
