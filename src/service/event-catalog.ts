import { HookpostError } from '../core/errors.js';
import { NATIVE_NAMESPACE, parseEventType, qualifyEventType } from '../core/event-namespaces.js';
import type { EventType } from '../core/model.js';
import type { ServiceDeps } from './deps.js';

/** One event type a platform door documents, spelled as the platform spells it. */
export interface PlatformEventType {
  name: string;
  description: string;
  schema: Record<string, unknown>;
  example: Record<string, unknown>;
}

/** The served doors' catalogs: namespace → the platform's own name → the type (named by its qualified name). */
export type PlatformCatalogs = ReadonlyMap<string, ReadonlyMap<string, EventType>>;

/**
 * The catalogs of the doors this process serves. They are the code's, not the operator's: kept in
 * memory, never written to the store, so a restart cannot change a type an operator defined and a
 * door that is switched off registers nothing. Their schemas are compiled on first use, not here:
 * compiling every door's schemas took most of the start-up; test/platform-catalogs.test.ts checks
 * that each compiles and that each example satisfies it.
 */
export function buildPlatformCatalogs(platforms: readonly { name: string; catalog: readonly PlatformEventType[] }[], now: number): PlatformCatalogs {
  const catalogs = new Map<string, Map<string, EventType>>();
  for (const platform of platforms) {
    const types = new Map<string, EventType>();
    for (const entry of platform.catalog) {
      const name = qualifyEventType(platform.name, entry.name);
      types.set(entry.name, { ...entry, name, createdAt: now, updatedAt: now });
    }
    catalogs.set(platform.name, types);
  }
  return catalogs;
}

/** The type a qualified name addresses: the operator's (native), or a served door's; undefined if there is none. */
export async function findEventType(deps: ServiceDeps, qualified: string): Promise<EventType | undefined> {
  const ref = parseEventType(qualified);
  if (ref.namespace === NATIVE_NAMESPACE) return deps.store.getEventType(qualified);
  return deps.platformCatalogs?.get(ref.namespace)?.get(ref.name);
}

/** Refuses a native definition whose name lies in a platform's namespace (`thinkific:…`): those are the door's. */
export function refusePlatformName(qualified: string): void {
  const ref = parseEventType(qualified);
  if (ref.namespace === NATIVE_NAMESPACE) return;
  throw new HookpostError('validation_failed', `${qualified} is in the ${ref.namespace} door's namespace, which only that door's catalog defines.`, [
    { pointer: '/name', message: `the prefix ${ref.namespace}: is reserved for the ${ref.namespace} door`, reason: 'reserved_namespace' },
  ]);
}
