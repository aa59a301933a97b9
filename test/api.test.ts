import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTenant, defineEventType, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';

describe('native API', () => {
  let server: TestServer;
  let tenant: TestTenant;

  beforeAll(async () => {
    server = await startServer();
    tenant = await createTenant(server);
    await defineEventType(server, 'lesson.completed', { type: 'object' }, { lesson: 'l1' });
  });
  afterAll(() => server.close());

  const subscriptions = () => `/v1/tenants/${tenant.id}/subscriptions`;

  it('creates, reads, changes and deletes a subscription', async () => {
    const created = await subscribe(server, tenant, {
      url: 'https://example.com/hooks',
      event_types: ['lesson.completed'],
      name: 'LMS sync',
      metadata: { team: 'growth' },
      headers: { 'X-Api-Key': 'abc' },
    });
    expect(created).toMatchObject({ url: 'https://example.com/hooks', active: true, name: 'LMS sync', metadata: { team: 'growth' } });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);

    const read = await call(server, 'GET', `${subscriptions()}/${created.id}`, { token: tenant.key });
    expect(read.status).toBe(200);
    expect(read.body.secret).toBeUndefined();

    const changed = await call(server, 'PATCH', `${subscriptions()}/${created.id}`, { token: tenant.key, body: { active: false, description: 'paused' } });
    expect(changed.body).toMatchObject({ active: false, description: 'paused', url: 'https://example.com/hooks' });

    const secret = await call(server, 'GET', `${subscriptions()}/${created.id}/secret`, { token: tenant.key });
    expect(secret.body.secret).toBe(created.secret);
    const rotated = await call(server, 'POST', `${subscriptions()}/${created.id}/rotate-secret`, { token: tenant.key, body: {} });
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.secret);

    expect((await call(server, 'DELETE', `${subscriptions()}/${created.id}`, { token: tenant.key })).status).toBe(204);
    expect((await call(server, 'GET', `${subscriptions()}/${created.id}`, { token: tenant.key })).status).toBe(404);
  });

  it('keeps a given secret and refuses malformed ones', async () => {
    const secret = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
    expect((await subscribe(server, tenant, { url: 'https://example.com/a', event_types: ['*'], secret })).secret).toBe(secret);
    const bad = await call(server, 'POST', subscriptions(), { token: tenant.key, body: { url: 'https://example.com/a', event_types: ['*'], secret: 'whsec_c2hvcnQ=' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].pointer).toBe('/secret');
  });

  it.each([
    [{ url: 'ftp://example.com/x', event_types: ['*'] }, '/url'],
    [{ url: 'https://example.com/' + 'a'.repeat(2100), event_types: ['*'] }, '/url'],
    [{ url: 'https://example.com/x', event_types: [] }, '/event_types'],
    [{ url: 'https://example.com/x', event_types: ['*', 'lesson.completed'] }, '/event_types'],
    [{ url: 'https://example.com/x', event_types: ['*'], headers: { 'webhook-signature': 'x' } }, '/headers/webhook-signature'],
    [{ url: 'https://example.com/x', event_types: ['*'], headers: { Host: 'evil' } }, '/headers/Host'],
    [{ url: 'https://example.com/x', event_types: ['*'], headers: { 'X-Ok': 'line\r\nbreak' } }, '/headers/X-Ok'],
    [{ url: 'https://example.com/x', event_types: ['*'], filter: { 'data.a': { $where: 'x' } } }, '/filter/data.a/$where'],
    [{ url: 'https://example.com/x', event_types: ['*'], colour: 'red' }, '/colour'],
    [{ event_types: ['*'] }, '/url'],
    [{ url: 42, event_types: ['*'] }, '/url'],
  ])('answers 422 naming the field for %j', async (body, pointer) => {
    const response = await call(server, 'POST', subscriptions(), { token: tenant.key, body });
    expect(response.status).toBe(422);
    expect(response.body.error.details.map((d: any) => d.pointer)).toContain(pointer);
  });

  it('answers 400 for malformed JSON, 415 for other media types and 413 for big bodies', async () => {
    const malformed = await call(server, 'POST', subscriptions(), { token: tenant.key, body: '{"url": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('bad_request');
    const xml = await call(server, 'POST', subscriptions(), { token: tenant.key, body: '<x/>', headers: { 'content-type': 'application/xml' } });
    expect(xml.status).toBe(415);
    const big = await call(server, 'POST', `/v1/tenants/${tenant.id}/events`, {
      token: tenant.key,
      body: { type: 'lesson.completed', data: { blob: 'x'.repeat(300 * 1024) } },
    });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('payload_too_large');
  });

  it('answers 400 for bad query parameters and foreign cursors', async () => {
    expect((await call(server, 'GET', `${subscriptions()}?limit=0`, { token: tenant.key })).status).toBe(400);
    expect((await call(server, 'GET', `${subscriptions()}?limit=abc`, { token: tenant.key })).status).toBe(400);
    const cursor = await call(server, 'GET', `${subscriptions()}?cursor=not-ours`, { token: tenant.key });
    expect(cursor.status).toBe(400);
    expect((await call(server, 'GET', `/v1/tenants/${tenant.id}/deliveries?status=lost`, { token: tenant.key })).status).toBe(400);
  });

  it('pages through subscriptions with a cursor', async () => {
    const own = await createTenant(server);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await subscribe(server, own, { url: `https://example.com/${i}`, event_types: ['*'] })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page = await call(server, 'GET', `/v1/tenants/${own.id}/subscriptions${query}`, { token: own.key });
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((s: any) => s.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(ids);
  });

  it('refuses an event type whose example breaks its schema, and a schema that is not one', async () => {
    const badExample = await call(server, 'POST', '/v1/event-types', {
      token: server.adminToken,
      body: { name: 'x.bad', schema: { type: 'object', required: ['a'] }, example: { b: 1 } },
    });
    expect(badExample.status).toBe(422);
    expect(badExample.body.error.details[0].pointer).toBe('/example/a');
    const badSchema = await call(server, 'POST', '/v1/event-types', { token: server.adminToken, body: { name: 'x.worse', schema: { type: 'nonsense' } } });
    expect(badSchema.status).toBe(422);
    const twice = await call(server, 'POST', '/v1/event-types', { token: server.adminToken, body: { name: 'lesson.completed' } });
    expect(twice.status).toBe(409);
  });

  it('serves the OpenAPI 3.1 document, the reference page, health and metrics', async () => {
    const document = await call(server, 'GET', '/openapi.json');
    expect(document.body.openapi).toBe('3.1.0');
    expect(Object.keys(document.body.paths)).toContain('/v1/tenants/{tenant}/events');
    expect((await call(server, 'GET', '/docs/')).status).toBe(200);
    expect((await call(server, 'GET', '/healthz')).body.status).toBe('ok');
    const metrics = await call(server, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(String(metrics.body)).toContain('hookpost_delivery_attempts_total');
  });

  it('answers unknown routes with the native 404', async () => {
    const response = await call(server, 'GET', '/v1/nothing-here', { token: tenant.key });
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });
});
