import type { CompatDoor } from '../../app.js';
import type { DeliveryFormat } from '../../../core/envelope.js';
import { localEventType } from '../../../core/event-namespaces.js';
import type { PlatformEventType } from '../../../service/event-catalog.js';
import { describeDoor, type DoorDescription } from './openapi.js';

/** One event type of a platform's catalog, spelled as the platform spells it, with a JSON Schema and a realistic sample. */
export type CatalogEntry = PlatformEventType;

/**
 * A seed platform served on top of the core: its routes (mounted under `/compat/<name>`), the
 * delivery formats its subscriptions use, and the event types it publishes (its namespace's
 * catalog, see core/event-namespaces.ts).
 */
export interface CompatPlatform extends CompatDoor {
  formats: DeliveryFormat[];
  catalog: CatalogEntry[];
  /** What the door's own OpenAPI document says besides its routes. */
  openapi: DoorDescription;
}

/**
 * The format with the event type spelled as its platform spells it: events of the platform's
 * namespace are stored as `<platform>:<name>`, and its receivers see `<name>`.
 */
export function withPlatformEventNames(format: DeliveryFormat): DeliveryFormat {
  return {
    ...format,
    render: (input) => format.render({ ...input, event: { ...input.event, type: localEventType(format.name, input.event.type) } }),
  };
}

/** The entry of this name, for routes that serve a catalog's samples. */
export function catalogEntry(catalog: CatalogEntry[], name: string): CatalogEntry | undefined {
  return catalog.find((entry) => entry.name === name);
}

/**
 * The platform with its own OpenAPI document at `/compat/<name>/openapi.json` (see openapi.ts).
 * Its routes stay out of Hookpost's own document, which describes the native API: they answer
 * in the platform's shapes, not the native ones.
 */
export function withOwnDocument(platform: CompatPlatform): CompatPlatform {
  return {
    ...platform,
    async plugin(app, options) {
      await describeDoor(app, platform.openapi);
      await platform.plugin(app, options);
    },
  };
}
