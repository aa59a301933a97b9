import { createRequire } from 'node:module';

/** What Fastify's serializer factory returns for one encapsulation context: a compiler of response schemas. */
type SerializerCompiler = (route: { schema: unknown; method: string; url: string; httpStatus: string; contentType?: string }) => (data: unknown) => string;
type SerializerFactory = (externalSchemas: unknown, serializerOptions: unknown) => SerializerCompiler;

// Fastify's own default (fast-json-stringify behind @fastify/fast-json-stringify-compiler), taken
// from where Fastify itself resolves it, so the output is exactly what Fastify would produce.
const requireFromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
let fastifyDefault: SerializerFactory | null = null;

/**
 * Fastify's response serializers, each compiled when it first serialises rather than when its
 * route is added: Fastify compiles every route's response schemas while starting, and most routes
 * of a given installation are never called (start-up time). Pass as
 * `schemaController.compilersFactory.buildSerializer`.
 */
export function buildSerializerOnFirstUse(externalSchemas: unknown, serializerOptions: unknown): SerializerCompiler {
  let compile: SerializerCompiler | null = null;
  return (route) => {
    let serialize: ((data: unknown) => string) | null = null;
    return (data) => {
      if (!serialize) {
        fastifyDefault ??= (requireFromFastify('@fastify/fast-json-stringify-compiler') as { SerializerSelector: () => SerializerFactory }).SerializerSelector();
        compile ??= fastifyDefault(externalSchemas, serializerOptions);
        serialize = compile(route);
      }
      return serialize(data);
    };
  };
}
