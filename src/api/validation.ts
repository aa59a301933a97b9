import { Ajv, type Options } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; under NodeNext its function arrives as the namespace's .default.
const addFormats = ajvFormats.default as unknown as (ajv: Ajv) => Ajv;

/**
 * Bodies are checked strictly (no type coercion, unknown fields rejected, every problem
 * reported); query strings and path parameters arrive as text, so their types are coerced.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  const common: Options = { allErrors: true, strict: false, removeAdditional: false, useDefaults: true };
  const bodies = addFormats(new Ajv({ ...common, coerceTypes: false }));
  const parameters = addFormats(new Ajv({ ...common, coerceTypes: 'array' }));
  return ({ schema, httpPart }) => (httpPart === 'body' ? bodies : parameters).compile(schema as object);
}
