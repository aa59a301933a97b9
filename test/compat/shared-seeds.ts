import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

// Reads the seed documents in ../shared/seeds (beside the repository) the way a reader does: the
// OpenAPI blocks (```` ```yaml ````) and the JSON examples (```json) inside each page.

const addFormats = ajvFormats.default as unknown as (ajv: Ajv) => Ajv;
const SEEDS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/seeds');

/** The text of the seed whose file name starts with `prefix` (e.g. `000`). */
export function seedText(prefix: string): string {
  const file = readdirSync(SEEDS_DIR).find((name) => name.startsWith(`${prefix}_`));
  if (!file) throw new Error(`no seed ${prefix}_* in ${SEEDS_DIR}`);
  return readFileSync(path.join(SEEDS_DIR, file), 'utf8');
}

/** The OpenAPI documents of a seed (its four-backtick yaml blocks), parsed. */
export function seedOpenApi(prefix: string): any[] {
  const blocks = [...seedText(prefix).matchAll(/^````yaml[^\n]*\n([\s\S]*?)^````/gm)];
  return blocks.map((block) => parseYaml(block[1]!));
}

/** Every ```json example of a seed that is valid JSON, in order (three-backtick blocks at line start, outside the yaml). */
export function seedJsonExamples(prefix: string): unknown[] {
  const text = seedText(prefix).replace(/^````yaml[\s\S]*?^````/gm, '');
  const examples: unknown[] = [];
  for (const block of text.matchAll(/^```json\n([\s\S]*?)^```/gm)) {
    try {
      examples.push(JSON.parse(block[1]!));
    } catch {
      // A documented example that is not JSON (Kajabi's trailing comma) is no request to send.
    }
  }
  return examples;
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
