import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

// The facts the compat suites check against: each seed platform's "create a webhook" page, its
// OpenAPI document and its JSON examples, copied into test/fixtures/seeds/ (each file names its
// source page). The suites never read anything outside the repository.

const addFormats = ajvFormats.default as unknown as (ajv: Ajv) => Ajv;
const SEEDS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/seeds');

/** A seed platform whose page is kept as fixtures. */
export type SeedPlatform = 'schoolmaker' | 'timeback' | 'kajabi' | 'fourthwall' | 'thinkific';

/** The OpenAPI documents of a platform's page, parsed (none for a page that documents by example only). */
export function seedOpenApi(platform: SeedPlatform): any[] {
  const file = path.join(SEEDS_DIR, `${platform}.openapi.yaml`);
  return existsSync(file) ? [parseYaml(readFileSync(file, 'utf8'))] : [];
}

/** Every JSON example of a platform's page that is valid JSON, in page order. */
export function seedJsonExamples(platform: SeedPlatform): unknown[] {
  const file = path.join(SEEDS_DIR, `${platform}.examples.json`);
  if (!existsSync(file)) return [];
  return (JSON.parse(readFileSync(file, 'utf8')) as { examples: unknown[] }).examples;
}

/**
 * A validator for one response of a seed's OpenAPI document, with its `$ref`s resolved inside
 * the document. OpenAPI 3.0's `nullable: true` is read as "or null".
 */
export function responseValidator(document: any, route: string, method: string, status: number, mediaType?: string): ValidateFunction {
  const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
  const id = `seed-${Math.random().toString(36).slice(2)}`;
  ajv.addSchema(allowNullable(structuredClone(document)), id);
  const content = document.paths[route][method].responses[String(status)].content;
  const type = mediaType ?? Object.keys(content)[0]!;
  const pointer = ['paths', route, method, 'responses', String(status), 'content', type, 'schema']
    .map((segment) => segment.replace(/~/g, '~0').replace(/\//g, '~1'))
    .join('/');
  const validate = ajv.getSchema(`${id}#/${pointer}`);
  if (!validate) throw new Error(`no schema at ${route} ${method} ${status}`);
  return validate;
}

/** The request body schema of a seed's operation, for building requests its enum lists. */
export function requestSchema(document: any, route: string, method: string): any {
  const content = document.paths[route][method].requestBody.content;
  return content[Object.keys(content)[0]!].schema;
}

/**
 * A JSON Schema of an example's shape: the same keys, each required, with the example's types
 * (for seeds that document responses by example only, such as Thinkific's).
 */
export function shapeOf(example: unknown): Record<string, unknown> {
  if (example === null) return { type: 'null' };
  if (Array.isArray(example)) return { type: 'array' };
  if (typeof example === 'object') {
    const properties = Object.fromEntries(Object.entries(example).map(([key, value]) => [key, shapeOf(value)]));
    return { type: 'object', properties, required: Object.keys(properties) };
  }
  return { type: typeof example === 'number' ? 'number' : typeof example };
}

function allowNullable(node: any): any {
  if (Array.isArray(node)) return node.map(allowNullable);
  if (node === null || typeof node !== 'object') return node;
  const copy = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, allowNullable(value)]));
  if (copy.nullable === true && typeof copy.type === 'string') copy.type = [copy.type, 'null'];
  return copy;
}
