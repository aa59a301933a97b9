import { Ajv, type Options, type ValidateFunction } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; under NodeNext its function arrives as the namespace's .default.
const addFormats = ajvFormats.default as unknown as (ajv: Ajv) => Ajv;

/**
 * Bodies are checked strictly (no type coercion, unknown fields rejected, every problem
 * reported); query strings and path parameters arrive as text, so their types are coerced.
 * `extra` adds ajv options (a door that reshapes errors asks for verbose ones).
 */
export function createValidatorCompiler(extra: Options = {}): FastifySchemaCompiler<FastifySchema> {
  const common: Options = { allErrors: true, strict: false, removeAdditional: false, useDefaults: true, ...extra };
  let bodies: Ajv | null = null;
  let parameters: Ajv | null = null;
  const ajvFor = (httpPart: string | undefined) =>
    httpPart === 'body'
      ? (bodies ??= addFormats(new Ajv({ ...common, coerceTypes: false })))
      : (parameters ??= addFormats(new Ajv({ ...common, coerceTypes: 'array' })));
  return ({ schema, httpPart }) => compiledOnFirstUse(() => ajvFor(httpPart).compile(schema as object));
}

/**
 * A validator that compiles its schema when it first validates, not when the route is added:
 * Fastify compiles every route's validators while starting, and most routes of a given
 * installation are never called (start-up time). Behaves as the ajv function it stands for:
 * Fastify passes ajv functions (recognised by `schemaEnv`) the parent object, so that coercing a
 * whole query or params value sticks, and reads the problems from `.errors` after a failure.
 */
function compiledOnFirstUse(compile: () => ValidateFunction): ValidateFunction {
  let compiled: ValidateFunction | null = null;
  const validate = ((data: unknown, context?: Parameters<ValidateFunction>[1]) => {
    compiled ??= compile();
    const valid = compiled(data, context);
    validate.errors = compiled.errors;
    return valid;
  }) as ValidateFunction;
  // Only checked for being there (see fastify/lib/validation.js); the real one exists once compiled.
  (validate as { schemaEnv: unknown }).schemaEnv = true;
  return validate;
}
