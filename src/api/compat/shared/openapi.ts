import { swaggerOnDemand } from '../../openapi-on-demand.js';
import type { FastifyInstance } from 'fastify';
import type { OpenAPIV3_1 } from 'openapi-types';
import { Type, type TSchema } from '../../../vendor/typebox.js';

/** What a door's own OpenAPI document says about the platform besides its routes. */
export interface DoorDescription {
  /** The document's title, e.g. `Kajabi API (Hookpost)`. */
  title: string;
  /** The version of the platform's API the door follows. */
  version: string;
  /** The credential schemes the door accepts, as the platform names them; any one of them will do. */
  securitySchemes: Record<string, OpenAPIV3_1.SecuritySchemeObject>;
  /** The platform's error body, which every route may answer with a 4xx or 5xx. */
  error: TSchema;
  /** The media type of the error body, when not `application/json`. */
  errorMediaType?: string;
}

/** Where, under its prefix, a door serves its own OpenAPI document. */
export const DOOR_DOCUMENT_PATH = '/openapi.json';

// Each door's document is its own @fastify/swagger instance, which sees only the routes
// registered in the door's plugin; the decorator is named apart from the native document's.
const DECORATOR = 'doorOpenApi';

/**
 * Serves the door's OpenAPI document at `<prefix>/openapi.json`, generated from the same route
 * schemas that validate its requests: its server is the prefix, so the paths are the platform's
 * own, as its clients see them. Call first in the door's plugin, before any route.
 */
export async function describeDoor(app: FastifyInstance, description: DoorDescription): Promise<void> {
  const prefix = app.prefix;
  // A door answers in the platform's shapes as its handlers build them: the response schemas
  // describe those shapes (tests check real answers against them) and must never drop a field.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addHook('onRoute', (route) => {
    if (route.url === `${prefix}${DOOR_DOCUMENT_PATH}`) return;
    const response = (route.schema?.response ?? {}) as Record<string, unknown>;
    const error = description.errorMediaType ? { content: { [description.errorMediaType]: { schema: description.error } } } : description.error;
    route.schema = { ...route.schema, response: { ...response, '4xx': error, '5xx': error } };
  });
  await app.register(swaggerOnDemand, {
    decorator: DECORATOR,
    openapi: {
      openapi: '3.1.0',
      info: {
        title: description.title,
        version: description.version,
        description: `Served by Hookpost under ${prefix}: give the platform's clients ${prefix} as their base URL.`,
      },
      servers: [{ url: prefix }],
      components: { securitySchemes: description.securitySchemes },
      security: Object.keys(description.securitySchemes).map((name) => ({ [name]: [] })),
    },
    transform: ({ schema, url }) => ({ schema, url: url.slice(prefix.length) || '/' }),
    transformObject: (document) => withoutUnusedSchemas(('openapiObject' in document ? document.openapiObject : {}) as OpenAPIV3_1.Document),
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  app.get(DOOR_DOCUMENT_PATH, { schema: { hide: true, security: [] } }, async () => (app as unknown as Record<string, () => unknown>)[DECORATOR]!());
}

// The shared schemas of the whole app (the native error among them) are offered to every
// document; a door's document keeps only those its operations name.
function withoutUnusedSchemas(document: OpenAPIV3_1.Document): OpenAPIV3_1.Document {
  const schemas = document.components?.schemas ?? {};
  const used = new Set<string>();
  const pending = [JSON.stringify(document.paths)];
  while (pending.length > 0) {
    for (const [, name] of pending.pop()!.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      if (name === undefined || used.has(name) || !(name in schemas)) continue;
      used.add(name);
      pending.push(JSON.stringify(schemas[name]));
    }
  }
  return { ...document, components: { ...document.components, schemas: Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name))) } };
}

/** A response that has no body (a 204, or a platform's empty 200), for route schemas. */
export function noBody(description: string) {
  return Type.Unsafe<void>({ type: 'null', description });
}
