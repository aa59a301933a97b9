// Small builders for the catalogs' JSON Schemas (draft-07): payloads are objects whose listed
// fields are required unless named optional, and which may carry more fields than listed, as
// platforms add fields to their payloads over time.

type Schema = Record<string, unknown>;

export const string: Schema = { type: 'string' };
export const integer: Schema = { type: 'integer' };
export const number: Schema = { type: 'number' };
export const boolean: Schema = { type: 'boolean' };
export const dateTime: Schema = { type: 'string', format: 'date-time' };

/** The schema, or null. */
export function nullable(schema: Schema): Schema {
  return { anyOf: [schema, { type: 'null' }] };
}

/** An array of items of this schema. */
export function arrayOf(items: Schema): Schema {
  return { type: 'array', items };
}

/** One of these strings. */
export function oneOf(...values: string[]): Schema {
  return { type: 'string', enum: values };
}

/** An object with these properties, all required except `optional`. */
export function object(properties: Record<string, Schema>, optional: string[] = []): Schema {
  return { type: 'object', properties, required: Object.keys(properties).filter((key) => !optional.includes(key)) };
}
