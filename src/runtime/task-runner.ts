import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { ServiceDeps } from '../service/deps.js';
import { TaskRunner } from '../service/tasks.js';

/**
 * The background task runner of a process that sends deliveries (a server's `all` or `worker`
 * role, or an embedded Hookpost that dispatches): recoveries, and wide fan-outs whose writer died.
 */
export function createTaskRunner(service: ServiceDeps, config: Config, logger: Logger): TaskRunner {
  return new TaskRunner(service, {
    pollIntervalMs: Math.max(config.delivery.pollIntervalMs, 500),
    leaseMs: config.delivery.leaseMs,
    batchSize: 500,
    logger: logger.child({ part: 'tasks' }),
  });
}
