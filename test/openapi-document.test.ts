import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startServer, type TestServer } from './support/server.js';

describe('GET /openapi.json', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('describes the probes, open to every caller, with their answers', async () => {
    const doc = (await call(server, 'GET', '/openapi.json')).body;
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const operation = doc.paths[path]?.get;
      expect(operation, path).toBeDefined();
      expect(operation.security, path).toEqual([]);
      expect(Object.values<any>(operation.responses['200'].content)[0].schema, path).toBeDefined();
      expect((await call(server, 'GET', path)).status, path).toBe(200);
    }
    expect(Object.keys(doc.paths['/readyz'].get.responses).sort()).toEqual(['200', '503']);
    expect(Object.keys(doc.paths['/metrics'].get.responses['200'].content)).toEqual(['text/plain']);
    const health = await call(server, 'GET', '/healthz');
    // The schema documents the answer without trimming the facts it carries beyond `status`.
    expect(health.body.status).toBe('ok');
    expect(Object.keys(health.body).length).toBeGreaterThan(1);
  });

  it('describes the native API only: the doors have their own documents', async () => {
    const doc = (await call(server, 'GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths).filter((path) => path.startsWith('/compat/'))).toEqual([]);
    expect(Object.keys(doc.paths).filter((path) => path.startsWith('/v1/')).length).toBeGreaterThan(15);
  });

  it('carries the package version', async () => {
    const version = JSON.parse(readFileSync('package.json', 'utf8')).version;
    const doc = await call(server, 'GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.info.version).toBe(version);
  });
});

describe('GET /docs', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  // The viewer is loaded on its first request (see api/api-description.ts): its pages, assets
  // and copy of the document are served as they were when it was loaded at start-up.
  it('serves the reference page, its assets and the same document, loaded on first request', async () => {
    const [first, second] = await Promise.all([call(server, 'GET', '/docs/'), call(server, 'GET', '/docs')]);
    for (const page of [first, second]) {
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(String(page.body)).toContain('swagger-initializer.js');
    }
    const css = await call(server, 'GET', '/docs/static/swagger-ui.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(Number(css.headers['content-length'])).toBeGreaterThan(1000);
    expect((await call(server, 'GET', '/docs/json')).body).toEqual((await call(server, 'GET', '/openapi.json')).body);
    const moved = await call(server, 'GET', '/docs/static/index.html');
    expect(moved.status).toBe(302);
    expect(moved.headers.location).toBe('/docs/');
  });

  it('answers an unknown asset with the native 404', async () => {
    const missing = await call(server, 'GET', '/docs/static/nothing-here.js');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });
});
