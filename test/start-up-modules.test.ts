import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as promClient from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Counter, Gauge, Histogram, Registry } from '../src/delivery/metric-classes.js';
import { swaggerOnDemand } from '../src/api/openapi-on-demand.js';

// What `hookpost serve` leaves out of its start-up (docs/performance.md, "Start-up and memory"),
// and that what it loads instead behaves as what it replaces. Which modules a thread has loaded
// is read in a fresh worker thread running the built modules, as the server's threads do.

// The built sources' directory, as a URL the thread's `load` appends a module's path to.
const DIST = `${pathToFileURL(path.resolve('dist/src')).href}/`;

/** Runs `body` (an ES module's code, with `load(module)` importing a built module) in a fresh thread; resolves with what it posts, and the CommonJS files the thread had loaded by then. */
function inFreshThread<T>(body: string): Promise<{ result: T; loaded: string[] }> {
  const code = `
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
const load = (module) => import(workerData.dist + module);
const result = await (async () => { ${body} })();
parentPort.postMessage({ result, loaded: Object.keys(createRequire(workerData.dist).cache) });`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { dist: DIST } });
    worker.once('message', (message) => {
      resolve(message);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

describe('the delivery engine’s metric classes', () => {
  it('are prom-client’s own, so the API thread aggregates what the delivery thread reports', () => {
    expect(Registry).toBe(promClient.Registry);
    expect(Counter).toBe(promClient.Counter);
    expect(Gauge).toBe(promClient.Gauge);
    expect(Histogram).toBe(promClient.Histogram);
  });

  it('load without prom-client’s default metrics and @opentelemetry/api, and still report', async () => {
    const { result, loaded } = await inFreshThread<string>(`
      const { Registry } = await load('delivery/metric-classes.js');
      const { createDeliveryMetrics } = await load('delivery/metrics.js');
      const registry = new Registry();
      createDeliveryMetrics(registry).recordAttempt({ durationMs: 12, errorClass: null }, 'succeeded');
      return registry.metrics();`);
    expect(result).toContain('hookpost_delivery_attempts_total{outcome="succeeded",error_class="none"} 1');
    expect(result).toContain('hookpost_deliveries_total{outcome="succeeded"} 1');
    expect(loaded.some((file) => file.includes(`${path.sep}prom-client${path.sep}lib${path.sep}counter.js`))).toBe(true);
    expect(loaded.filter((file) => file.includes('@opentelemetry') || file.includes('defaultMetrics'))).toEqual([]);
  });
});

describe('the OpenAPI document built on demand', () => {
  const options = {
    openapi: { openapi: '3.1.0' as const, info: { title: 'T', version: '1' }, servers: [{ url: '/p' }] },
    refResolver: { buildLocalReference: (json: { $id?: unknown }, _base: unknown, _fragment: unknown, i: number) => String(json.$id ?? `def-${i}`) },
  };
  const routes = async (app: FastifyInstance) => {
    app.addSchema({ $id: 'Thing', type: 'object', properties: { id: { type: 'string' } } });
    app.get('/things/:id', { schema: { tags: ['t'], params: { type: 'object', properties: { id: { type: 'string' } } }, response: { 200: { $ref: 'Thing#' } } } }, async () => ({ id: 'x' }));
    app.post('/things', { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string', const: 'a' } } } } }, async () => ({}));
    app.get('/hidden', { schema: { hide: true } }, async () => ({}));
  };
  const documentsOf = async (plugin: typeof swagger | typeof swaggerOnDemand) => {
    const app = Fastify();
    await app.register(plugin as typeof swagger, options);
    await app.register(routes);
    await app.ready();
    const documents = { object: app.swagger(), yaml: app.swagger({ yaml: true }) };
    await app.close();
    return documents;
  };

  it('is the document @fastify/swagger builds from the same routes, as JSON and as YAML', async () => {
    const expected = await documentsOf(swagger);
    const actual = await documentsOf(swaggerOnDemand);
    expect(actual.object).toEqual(expected.object);
    expect(actual.yaml).toBe(expected.yaml);
    expect(Object.keys((actual.object as { paths: object }).paths)).toEqual(['/things/{id}', '/things']);
  });

  it('loads the builder and yaml when a document is first asked for, not when registered', async () => {
    const { result, loaded } = await inFreshThread<{ before: string[]; title: string }>(`
      const require = createRequire(workerData.dist);
      const Fastify = require('fastify');
      const { swaggerOnDemand } = await load('api/openapi-on-demand.js');
      const cache = require.cache;
      const app = Fastify();
      await app.register(swaggerOnDemand, { openapi: { info: { title: 'On demand', version: '1' } } });
      app.get('/a', async () => ({}));
      await app.ready();
      const before = Object.keys(cache).filter((file) => file.includes('/yaml/') || file.includes('/spec/openapi/'));
      return { before, title: app.swagger().info.title };`);
    expect(result.before).toEqual([]);
    expect(result.title).toBe('On demand');
    expect(loaded.some((file) => file.includes(`${path.sep}yaml${path.sep}`))).toBe(true);
  });
});

describe('subscription filters', () => {
  it('load RE2 with the first $regex, not with the filter module, and match with it', async () => {
    const { result, loaded } = await inFreshThread<{ before: string[]; matches: boolean[] }>(`
      const require = createRequire(workerData.dist);
      const { parseFilter, matchesFilter } = await load('core/filter.js');
      const before = Object.keys(require.cache).filter((file) => file.includes('re2js'));
      const filter = parseFilter({ 'data.sku': { $regex: '^A-[0-9]+$' } });
      const subject = (sku) => ({ type: 't', resource_id: null, data: { sku } });
      return { before, matches: [matchesFilter(filter, subject('A-12')), matchesFilter(filter, subject('B-12'))] };`);
    expect(result.before).toEqual([]);
    expect(result.matches).toEqual([true, false]);
    expect(loaded.some((file) => file.includes(`${path.sep}re2js${path.sep}`))).toBe(true);
  });
});
