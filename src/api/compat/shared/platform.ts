import type { CompatDoor } from '../../app.js';
import type { DeliveryFormat } from '../../../core/envelope.js';
import type { ServiceDeps } from '../../../service/deps.js';
import { defineEventType } from '../../../service/event-types.js';
import type { PayloadSchemas } from '../../../service/payload-schemas.js';

/** One event type of a platform's catalog, spelled as the platform spells it, with a JSON Schema and a realistic sample. */
export interface CatalogEntry {
  name: string;
  description: string;
  schema: Record<string, unknown>;
  example: Record<string, unknown>;
}

/**
 * A seed platform served on top of the core: its routes (mounted under `/compat/<name>`), the
 * delivery formats its subscriptions use, and the event types it publishes.
 */
export interface CompatPlatform extends CompatDoor {
  formats: DeliveryFormat[];
  catalog: CatalogEntry[];
}

/** Puts every platform's event types into the shared catalog, replacing older definitions of them. */
export async function registerCatalogs(service: ServiceDeps, schemas: PayloadSchemas, platforms: CompatPlatform[]): Promise<void> {
  for (const platform of platforms) {
    for (const entry of platform.catalog) await defineEventType(service, schemas, entry, { replace: true });
  }
}

/** The entry of this name, for routes that serve a catalog's samples. */
export function catalogEntry(catalog: CatalogEntry[], name: string): CatalogEntry | undefined {
  return catalog.find((entry) => entry.name === name);
}

/**
 * The platform with its routes kept out of Hookpost's own OpenAPI document, which describes the
 * native API only: a platform's API is described by that platform's documentation (see
 * docs/platforms/), and its routes answer in its own shapes, not the native ones.
 */
export function outsideNativeDocs(platform: CompatPlatform): CompatPlatform {
  return {
    ...platform,
    async plugin(app, options) {
      app.addHook('onRoute', (route) => {
        route.schema = { ...route.schema, hide: true };
      });
      await platform.plugin(app, options);
    },
  };
}
