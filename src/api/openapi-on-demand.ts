// @fastify/swagger's dynamic mode, with its document builder loaded when a document is first
// asked for. Registering the package loads the builder straight away, and the builder requires
// `yaml` (72 modules) for its YAML output, which Hookpost never serves: about 1 MB of heap and
// 40 ms of CPU on the API thread's start for documents that most processes never build
// (docs/performance.md, "Start-up and memory"). What runs at registration is the package's own
// code (lib/mode/dynamic.js): the same options, the same route collection (lib/util/add-hook.js),
// and on the first call the same builder over the same routes, so the documents are identical.
import { createRequire } from 'node:module';
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);

type DocumentFunction = (options?: { yaml?: boolean }) => unknown;
type Collected = { routes: unknown[]; Ref: () => unknown };

const { addHook } = require('@fastify/swagger/lib/util/add-hook.js') as { addHook: (app: FastifyInstance, options: object) => Collected };

/** The defaults @fastify/swagger's dynamic mode fills in (lib/mode/dynamic.js), which the builder reads. */
function withDefaults(options: FastifyDynamicSwaggerOptions): Record<string, unknown> {
  return {
    exposeRoute: false,
    hiddenTag: 'X-HIDDEN',
    hideUntagged: false,
    stripBasePath: true,
    openapi: null,
    swagger: {},
    transform: null,
    transformObject: null,
    decorator: 'swagger',
    refResolver: {
      buildLocalReference(json: { title?: string; $id?: string }, _baseUri: unknown, _fragment: unknown, i: number) {
        if (!json.title && json.$id) json.title = json.$id;
        return `def-${i}`;
      },
    },
    convertConstToEnum: true,
    ...options,
  };
}

async function openApiOnDemand(app: FastifyInstance, options: FastifyDynamicSwaggerOptions): Promise<void> {
  const settings = withDefaults(options);
  const { routes, Ref } = addHook(app, settings);
  const cache = { object: null, string: null };
  let build: DocumentFunction | null = null;
  app.decorate(settings.decorator as string, (documentOptions?: { yaml?: boolean }) => {
    build ??= (
      require('@fastify/swagger/lib/util/resolve-swagger-function.js') as {
        resolveSwaggerFunction: (settings: object, cache: object, routes: unknown[], ref: () => unknown) => DocumentFunction;
      }
    ).resolveSwaggerFunction(settings, cache, routes, Ref);
    return build(documentOptions);
  });
}

/**
 * Registers as `@fastify/swagger` does (on the instance it is registered on, not encapsulated,
 * under the package's name for plugins that depend on it); takes the package's dynamic options.
 */
export const swaggerOnDemand = Object.assign(openApiOnDemand, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('plugin-meta')]: { name: '@fastify/swagger' },
});
