import type { Logger } from 'pino';
import { dayWindowStart } from '../store/endpoint-health.js';
import type { TenantUsage } from '../store/store.js';
import type { ServiceDeps } from './deps.js';
import { PeriodicPass } from './periodic.js';
import { requireTenant } from './tenants.js';

/** How the retention job works. */
export interface RetentionOptions {
  /** Events (with their deliveries and attempts) older than this are deleted. */
  retentionMs: number;
  /** Events deleted per transaction: a few milliseconds of locks each. */
  batchSize: number;
  /** How often a pass runs. */
  intervalMs: number;
  logger: Pick<Logger, 'error' | 'info'>;
}

/**
 * Deletes what is older than the retention period, tenant by tenant, in small batches (each its
 * own short transaction), so that publishing and delivering never wait long on it. An event is
 * kept while any of its deliveries is still pending or in flight.
 */
export class RetentionJob {
  readonly #deps: ServiceDeps;
  readonly #options: RetentionOptions;
  readonly #periodic: PeriodicPass<number>;

  constructor(deps: ServiceDeps, options: RetentionOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#periodic = new PeriodicPass(() => this.#run(), options.intervalMs);
  }

  start(): void {
    this.#periodic.start();
  }

  stop(): Promise<void> {
    return this.#periodic.stop();
  }

  /** One pass over every tenant (one at a time); returns how many events it deleted. */
  runOnce(): Promise<number> {
    return this.#periodic.runOnce();
  }

  async #run(): Promise<number> {
    const { store } = this.#deps;
    const now = this.#deps.now();
    const before = now - this.#options.retentionMs;
    // The health route reads one day back; older per-minute counts only grow the table.
    const healthBefore = dayWindowStart(now);
    let deleted = 0;
    try {
      for (let cursor: string | null = null, first = true; first || cursor !== null; first = false) {
        const page = await store.listTenants({ cursor, limit: 100 });
        for (const tenant of page.items) {
          deleted += await inBatches((limit) => store.deleteExpiredEvents(tenant.id, before, limit), this.#options.batchSize);
          await inBatches((limit) => store.deleteExpiredHealth(tenant.id, healthBefore, limit), this.#options.batchSize);
        }
        cursor = page.nextCursor;
      }
      if (deleted > 0) this.#options.logger.info({ events: deleted }, 'retention deleted expired events');
    } catch (error) {
      this.#options.logger.error({ err: error }, 'retention pass failed; the next pass goes on');
    }
    return deleted;
  }
}

/** Runs `deleteBatch` until a batch comes back short, letting other work run in between; returns the total. */
async function inBatches(deleteBatch: (limit: number) => Promise<number>, limit: number): Promise<number> {
  let total = 0;
  for (;;) {
    const batch = await deleteBatch(limit);
    total += batch;
    if (batch < limit) return total;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** What the tenant keeps now (not_found for an unknown tenant). */
export async function tenantUsage(deps: ServiceDeps, tenantId: string): Promise<TenantUsage> {
  await requireTenant(deps, tenantId);
  return deps.store.tenantUsage(tenantId);
}
