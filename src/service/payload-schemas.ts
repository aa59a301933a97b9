import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';
import type { ErrorDetail } from '../core/errors.js';

// ajv-formats is CommonJS; under NodeNext its function arrives as the namespace's .default.
const addFormats = ajvFormats.default as unknown as (ajv: Ajv) => Ajv;

const DRAFT_2020 = 'https://json-schema.org/draft/2020-12/schema';

/** Compiles event-type JSON Schemas (draft-07 by default, 2020-12 when `$schema` says so) and checks payloads. */
export class PayloadSchemas {
  readonly #draft7 = addFormats(new Ajv({ allErrors: true, strict: false }));
  readonly #draft2020 = addFormats(new Ajv2020({ allErrors: true, strict: false }) as unknown as Ajv);
  readonly #compiled = new Map<string, ValidateFunction>();
  readonly #byObject = new WeakMap<object, ValidateFunction>();

  /** Problems that make `schema` unusable, or an empty list. */
  checkSchema(schema: Record<string, unknown>): ErrorDetail[] {
    try {
      this.#compile(schema);
      return [];
    } catch (error) {
      return [{ pointer: '/schema', message: error instanceof Error ? error.message : 'not a valid JSON Schema' }];
    }
  }

  /** Problems of `payload` against `schema`, each at a JSON pointer under `pointerPrefix`. */
  validate(schema: Record<string, unknown>, payload: unknown, pointerPrefix: string): ErrorDetail[] {
    const validateFn = this.#compile(schema);
    if (validateFn(payload)) return [];
    return (validateFn.errors ?? []).map((error) => toDetail(error, pointerPrefix));
  }

  #compile(schema: Record<string, unknown>): ValidateFunction {
    // The same schema object comes back on every publish of its type (door catalogs, the lookup
    // cache): found by identity, it costs no serialisation of a schema that may be large.
    const known = this.#byObject.get(schema);
    if (known) return known;
    const compiled = this.#compileText(schema);
    this.#byObject.set(schema, compiled);
    return compiled;
  }

  #compileText(schema: Record<string, unknown>): ValidateFunction {
    const key = JSON.stringify(schema);
    const cached = this.#compiled.get(key);
    if (cached) return cached;
    const ajv = schema.$schema === DRAFT_2020 ? this.#draft2020 : this.#draft7;
    const compiled = ajv.compile(schema);
    if (this.#compiled.size > 10_000) this.#compiled.clear();
    this.#compiled.set(key, compiled);
    return compiled;
  }
}

function toDetail(error: ErrorObject, prefix: string): ErrorDetail {
  // A missing property is reported at its parent; point at the property itself.
  const missing = error.keyword === 'required' ? `/${String((error.params as { missingProperty: string }).missingProperty)}` : '';
  return { pointer: `${prefix}${error.instancePath}${missing}`, message: error.message ?? 'is not valid' };
}
