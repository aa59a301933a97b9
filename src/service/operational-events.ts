import type { Logger } from 'pino';
import { HookpostError } from '../core/errors.js';
import { OPERATIONAL_EVENT_TYPES } from '../core/operational-events.js';
import type { ServiceDeps } from './deps.js';
import type { PayloadSchemas } from './payload-schemas.js';
import { PeriodicPass } from './periodic.js';
import { publishEvent } from './publish.js';

/**
 * Puts the operational event types in the native catalog, with their schemas and examples, so a
 * tenant can subscribe to them like to any other type. A type the operator defined already is
 * left as it is (a restart never changes an operator's type).
 */
export async function defineOperationalEventTypes(deps: ServiceDeps): Promise<void> {
  for (const [name, type] of Object.entries(OPERATIONAL_EVENT_TYPES)) {
    if (await deps.store.getEventType(name)) continue;
    const now = deps.now();
    await deps.store.upsertEventType({
      name,
      description: type.description,
      schema: structuredClone(type.schema) as Record<string, unknown>,
      example: structuredClone(type.example) as Record<string, unknown>,
      createdAt: now,
      updatedAt: now,
    });
  }
}

/** How the relay works. */
export interface OperationalEventRelayOptions {
  pollIntervalMs: number;
  batchSize: number;
  logger: Pick<Logger, 'warn' | 'error'>;
}

/**
 * Publishes the operational events that recording outcomes raised (kept as notices in the same
 * transaction, by whichever worker recorded them) into each tenant's own stream, through the
 * ordinary publish: matching, filters and signing as for any event. The notice's id is the
 * event's id, so a notice published twice (a crash between publish and removal, or two relays
 * at once) is one event.
 */
export class OperationalEventRelay {
  readonly #deps: ServiceDeps;
  readonly #schemas: PayloadSchemas;
  readonly #options: OperationalEventRelayOptions;
  readonly #periodic: PeriodicPass<number>;

  constructor(deps: ServiceDeps, schemas: PayloadSchemas, options: OperationalEventRelayOptions) {
    this.#deps = deps;
    this.#schemas = schemas;
    this.#options = options;
    this.#periodic = new PeriodicPass(() => this.#relay(), options.pollIntervalMs);
  }

  start(): void {
    this.#periodic.start();
  }

  stop(): Promise<void> {
    return this.#periodic.stop();
  }

  /** Publishes what is waiting now (one pass at a time); returns how many notices it handled. */
  relayOnce(): Promise<number> {
    return this.#periodic.runOnce();
  }

  async #relay(): Promise<number> {
    try {
      const notices = await this.#deps.store.listOperationalNotices(this.#options.batchSize);
      const done: string[] = [];
      for (const notice of notices) {
        try {
          await publishEvent(this.#deps, this.#schemas, notice.tenantId, { id: notice.id, type: notice.type, data: notice.data });
          done.push(notice.id);
        } catch (error) {
          // An operator's own definition of the type that our payload does not satisfy: drop it, loudly.
          if (!(error instanceof HookpostError)) throw error;
          this.#options.logger.warn({ err: error, type: notice.type, tenantId: notice.tenantId }, 'an operational event could not be published; dropped');
          done.push(notice.id);
        }
      }
      await this.#deps.store.deleteOperationalNotices(done);
      return done.length;
    } catch (error) {
      this.#options.logger.error({ err: error }, 'relaying operational events failed; retrying at the next poll');
      return 0;
    }
  }
}
