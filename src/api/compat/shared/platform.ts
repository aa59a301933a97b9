import type { CompatDoor } from '../../app.js';
import type { PlatformEventType } from '../../../service/event-catalog.js';
import { describeDoor, type DoorDescription } from './openapi.js';

/** One event type of a platform's catalog, spelled as the platform spells it, with a JSON Schema and a realistic sample. */
export type CatalogEntry = PlatformEventType;

/**
 * A seed platform served on top of the core: its routes (mounted under `/compat/<name>`) and the
 * event types it publishes (its namespace's catalog, see core/event-namespaces.ts). Its delivery
 * formats are listed apart, in ../formats.ts, so the delivery engine loads them without the routes.
 */
export interface CompatPlatform extends CompatDoor {
  catalog: CatalogEntry[];
  /** What the door's own OpenAPI document says besides its routes. */
  openapi: DoorDescription;
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
