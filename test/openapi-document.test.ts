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
