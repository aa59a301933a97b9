import { HookpostError, type ErrorDetail } from '../core/errors.js';
import { qualifyEventType } from '../core/event-namespaces.js';
import type { ServiceDeps } from './deps.js';
import { findEventType } from './event-catalog.js';
import type { PayloadSchemas } from './payload-schemas.js';
import { publishEvent } from './publish.js';

/** An IMS Caliper envelope: who sent it, when, in which data version, and its events. */
export interface CaliperEnvelope {
  sensor: string;
  sendTime: string;
  dataVersion: string;
  data: Record<string, unknown>[];
}

/** What an ingest did: the events published, and how many were repeats of stored ones. */
export interface CaliperIngestResult {
  eventIds: string[];
  published: number;
  duplicates: number;
}

/**
 * Checks every event of the envelope first (its `type` is in the catalog of `namespace`, the
 * door's, and it satisfies that type's schema) so that a bad event rejects the envelope before
 * anything is published; then publishes each one with its Caliper `id` as the event id (a
 * re-sent event is not delivered twice) and the envelope's sensor as its resource id (webhooks
 * match sensors on it).
 */
export async function ingestCaliperEnvelope(
  deps: ServiceDeps,
  schemas: PayloadSchemas,
  tenantId: string,
  envelope: CaliperEnvelope,
  options: { namespace: string; dryRun?: boolean },
): Promise<CaliperIngestResult> {
  await checkEvents(deps, schemas, options.namespace, envelope.data);
  const result: CaliperIngestResult = { eventIds: [], published: 0, duplicates: 0 };
  if (options.dryRun) return result;
  for (const event of envelope.data) {
    const published = await publishEvent(deps, schemas, tenantId, {
      type: qualifyEventType(options.namespace, event.type as string),
      data: event,
      id: event.id as string,
      resourceId: envelope.sensor,
    });
    result.eventIds.push(published.event.id);
    if (published.created) result.published += 1;
    else result.duplicates += 1;
  }
  return result;
}

async function checkEvents(deps: ServiceDeps, schemas: PayloadSchemas, namespace: string, events: Record<string, unknown>[]): Promise<void> {
  const problems: ErrorDetail[] = [];
  for (const [index, event] of events.entries()) {
    const at = `/data/${index}`;
    if (typeof event.id !== 'string' || event.id === '') problems.push({ pointer: `${at}/id`, message: 'is required', reason: 'missing_id' });
    if (typeof event.type !== 'string') {
      problems.push({ pointer: `${at}/type`, message: 'is required', reason: 'missing_type' });
      continue;
    }
    const eventType = await findEventType(deps, qualifyEventType(namespace, event.type));
    if (!eventType) {
      problems.push({ pointer: `${at}/type`, message: `unknown Caliper event type ${event.type}`, reason: 'unknown_event_type' });
    } else if (eventType.schema) {
      problems.push(...schemas.validate(eventType.schema, event, at));
    }
  }
  // A missing id or type is also a missing required property of the type's schema: each field is reported once.
  const firstPerField = [...new Map(problems.reverse().map((problem) => [problem.pointer, problem])).values()].reverse();
  if (problems.length > 0) throw new HookpostError('schema_violation', 'The Caliper envelope holds invalid events.', firstPerField);
}
