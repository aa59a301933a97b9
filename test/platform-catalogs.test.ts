import { describe, expect, it } from 'vitest';
import { PLATFORM_DOORS } from '../src/api/compat/index.js';
import { PayloadSchemas } from '../src/service/payload-schemas.js';

// The doors' event catalogs are code: their schemas are compiled on first use, not at start-up
// (service/event-catalog.ts), so a broken one is caught here instead.

describe('platform catalogs', () => {
  const schemas = new PayloadSchemas();
  for (const [platform, door] of Object.entries(PLATFORM_DOORS)) {
    it(`${platform}: every schema compiles and every example satisfies its schema`, () => {
      const problems = door.catalog.flatMap((entry) =>
        [...schemas.checkSchema(entry.schema), ...schemas.validate(entry.schema, entry.example, '/example')].map((p) => `${entry.name} ${p.pointer}: ${p.message}`),
      );
      expect(problems).toEqual([]);
    });
  }

  it('refuses an example that breaks its schema (the check above can fail)', () => {
    const schema = { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } };
    expect(schemas.validate(schema, { id: 'x' }, '/example')).not.toEqual([]);
    expect(schemas.checkSchema({ type: 'nonsense' })).not.toEqual([]);
  });
});
