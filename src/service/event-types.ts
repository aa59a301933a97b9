import { HookpostError } from '../core/errors.js';
import type { EventType, PageRequest } from '../core/model.js';
import type { ServiceDeps } from './deps.js';
import { findEventType, refusePlatformName } from './event-catalog.js';
import type { PayloadSchemas } from './payload-schemas.js';

/** Input of defineEventType. */
export interface EventTypeInput {
  name: string;
  description?: string | undefined;
  schema?: Record<string, unknown> | null | undefined;
  example?: Record<string, unknown> | null | undefined;
}

/**
 * Adds a type to the operator's (native) catalog (or, with `replace`, updates it). The schema
 * must compile and the example must satisfy it, so that a published sample is always
 * deliverable. Names in a platform door's namespace (`thinkific:…`) are that door's, never the
 * operator's.
 */
export async function defineEventType(
  deps: ServiceDeps,
  schemas: PayloadSchemas,
  input: EventTypeInput,
  options: { replace: boolean },
): Promise<{ eventType: EventType; created: boolean }> {
  refusePlatformName(input.name);
  const existing = await deps.store.getEventType(input.name);
  if (existing && !options.replace) throw new HookpostError('conflict', `The event type ${input.name} exists already.`);
  const schema = input.schema === undefined ? (existing?.schema ?? null) : input.schema;
  const example = input.example === undefined ? (existing?.example ?? null) : input.example;
  if (schema) {
    const problems = schemas.checkSchema(schema);
    if (problems.length > 0) throw new HookpostError('validation_failed', 'The schema is not a valid JSON Schema.', problems);
    if (example) {
      const exampleProblems = schemas.validate(schema, example, '/example');
      if (exampleProblems.length > 0) {
        throw new HookpostError('validation_failed', 'The example does not satisfy the schema.', exampleProblems);
      }
    }
  }
  const now = deps.now();
  const eventType: EventType = {
    name: input.name,
    description: input.description ?? existing?.description ?? '',
    schema,
    example,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await deps.store.upsertEventType(eventType);
  return { eventType, created: !existing };
}

/** The type (native, or a served door's by its qualified name), or not_found. */
export async function requireEventType(deps: ServiceDeps, name: string): Promise<EventType> {
  const eventType = await findEventType(deps, name);
  if (!eventType) throw new HookpostError('not_found', `No event type ${name}.`);
  return eventType;
}

/** The operator's (native) catalog by name. */
export function listEventTypes(deps: ServiceDeps, page: PageRequest) {
  return deps.store.listEventTypes(page);
}
