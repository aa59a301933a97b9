import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startReceiver, type Receiver } from './support/receiver.js';
import { call, createTenant, defineEventType, eventually, startServer, subscribe, type TestServer } from './support/server.js';
import { describeEachStore } from './support/stores.js';

// OpenTelemetry traces, exported as OTLP/HTTP JSON to a real collector on 127.0.0.1: the publish
// call's span (a child of the caller's traceparent) and one span per delivery attempt, each a
// child of the publish span through the traceparent stored with the event.

/** One span as an OTLP/HTTP JSON export carries it, with its attributes flattened. */
interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  status: { code?: number; message?: string };
  attributes: Record<string, string | number | boolean>;
  serviceName: string;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type OtlpAttribute = { key: string; value: OtlpValue };

const valueOf = (value: OtlpValue) => value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : (value.boolValue ?? value.doubleValue!));
const flatten = (attributes: OtlpAttribute[] = []) => Object.fromEntries(attributes.map((a) => [a.key, valueOf(a.value)]));

/** A minimal OTLP/HTTP collector: accepts JSON trace exports on /v1/traces and keeps their spans. */
async function startCollector(): Promise<{ url: string; spans: ExportedSpan[]; contentTypes: string[]; close(): Promise<void> }> {
  const spans: ExportedSpan[] = [];
  const contentTypes: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') return res.writeHead(404).end();
      contentTypes.push(String(req.headers['content-type']));
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const resourceSpans of body.resourceSpans ?? []) {
        const serviceName = String(flatten(resourceSpans.resource?.attributes)['service.name']);
        for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
          for (const span of scopeSpans.spans ?? []) {
            spans.push({
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId ?? '',
              name: span.name,
              kind: span.kind,
              status: span.status ?? {},
              attributes: flatten(span.attributes),
              serviceName,
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, spans, contentTypes, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const SPAN_KIND_PRODUCER = 4;
const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;

describeEachStore('OpenTelemetry traces', (store) => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let server: TestServer;
  let receiver: Receiver;

  beforeAll(async () => {
    collector = await startCollector();
    // The first attempt fails (503), the retry succeeds: two attempt spans.
    receiver = await startReceiver((n) => (n === 1 ? { status: 503 } : { status: 200 }));
    server = await startServer({
      databaseUrl: await store.freshDatabaseUrl(),
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: 'hookpost-test', HOOKPOST_RETRY_SCHEDULE: '0,100ms,100ms' },
    });
    await defineEventType(server, 'order.paid');
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
    await collector.close();
  });

  it('traces publish and each attempt, joined to the caller and to each other', async () => {
    const tenant = await createTenant(server);
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['order.paid'] });
    const callerTrace = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');

    const published = await call(server, 'POST', `/v1/tenants/${tenant.id}/events`, {
      token: tenant.key,
      body: { type: 'order.paid', data: { order: 1 } },
      headers: { traceparent: `00-${callerTrace}-${callerSpan}-01` },
    });
    expect(published.status).toBe(202);
    await receiver.waitFor(2, 20_000);

    const spans = await eventually(() => {
      const inTrace = collector.spans.filter((span) => span.traceId === callerTrace);
      return inTrace.length >= 3 ? inTrace : undefined;
    }, 20_000, 'a publish span and two attempt spans');
    expect(collector.contentTypes[0]).toContain('application/json');

    const publish = spans.find((span) => span.name === 'hookpost publish')!;
    expect(publish).toMatchObject({ parentSpanId: callerSpan, kind: SPAN_KIND_PRODUCER, serviceName: 'hookpost-test' });
    expect(publish.attributes).toMatchObject({
      'hookpost.tenant_id': tenant.id,
      'hookpost.event_id': published.body.id,
      'hookpost.event_type': 'order.paid',
      'hookpost.deliveries': 1,
    });

    const attempts = spans.filter((span) => span.name === 'hookpost deliver').sort((a, b) => Number(a.attributes['hookpost.attempt']) - Number(b.attributes['hookpost.attempt']));
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) {
      expect(attempt).toMatchObject({ parentSpanId: publish.spanId, kind: SPAN_KIND_CLIENT });
      expect(attempt.attributes).toMatchObject({ 'hookpost.event_id': published.body.id, 'hookpost.subscription_id': subscription.id });
    }
    expect(attempts[0]!.attributes['http.response.status_code']).toBe(503);
    expect(attempts[0]!.status.code).toBe(STATUS_ERROR);
    expect(attempts[1]!.attributes['http.response.status_code']).toBe(200);
    expect(attempts[1]!.status.code).not.toBe(STATUS_ERROR);
  });

  it('starts a new trace for a publish without a traceparent, and traces a batch as one span', async () => {
    const tenant = await createTenant(server);
    await subscribe(server, tenant, { url: receiver.url, event_types: ['order.paid'] });
    const batch = await call(server, 'POST', `/v1/tenants/${tenant.id}/events/batch`, {
      token: tenant.key,
      body: { events: [{ type: 'order.paid', data: { order: 2 } }, { type: 'order.paid', data: { order: 3 } }] },
    });
    expect(batch.status).toBe(200);
    const publish = await eventually(
      () => collector.spans.find((span) => span.name === 'hookpost publish' && span.attributes['hookpost.tenant_id'] === tenant.id),
      20_000,
      'the batch publish span',
    );
    expect(publish.parentSpanId).toBe('');
    expect(publish.attributes['messaging.batch.message_count']).toBe(2);
    const attempts = await eventually(() => {
      const children = collector.spans.filter((span) => span.name === 'hookpost deliver' && span.parentSpanId === publish.spanId);
      return children.length >= 2 ? children : undefined;
    }, 20_000, "both events' attempt spans");
    expect(new Set(attempts.map((span) => span.attributes['hookpost.event_id']))).toEqual(new Set(batch.body.data.map((item: { id: string }) => item.id)));
    for (const attempt of attempts) expect(attempt.traceId).toBe(publish.traceId);
  });
});
