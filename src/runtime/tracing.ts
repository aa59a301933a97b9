import type { TracingConfig } from '../config/tracing-config.js';
import { noTracing, type SpanAttributes, type TraceSpan, type Tracing } from '../core/tracing.js';
import { PACKAGE_VERSION } from '../config/package-version.js';

/**
 * OpenTelemetry tracing from the configuration, or `noTracing` when it is off. The SDK and the
 * OTLP exporter are imported only here and only when tracing is on, so a process without OTEL_*
 * settings neither loads nor keeps them (start-up time and idle memory stay as they were).
 */
export async function openTracing(config: TracingConfig | null): Promise<Tracing> {
  if (!config) return noTracing;
  const [api, core, resources, sdk, exporterModule] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  const exporter = new exporterModule.OTLPTraceExporter({ url: config.endpoint, headers: { ...config.headers } });
  const provider = new sdk.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': config.serviceName, 'service.version': PACKAGE_VERSION }),
    spanProcessors: [new sdk.BatchSpanProcessor(exporter, { scheduledDelayMillis: 1_000 })],
  });
  const tracer = provider.getTracer('hookpost', PACKAGE_VERSION);
  const propagator = new core.W3CTraceContextPropagator();

  // The context a W3C traceparent names (the root context when there is none or it is malformed).
  const parentContext = (traceParent: string | null | undefined) =>
    traceParent ? propagator.extract(api.ROOT_CONTEXT, { traceparent: traceParent }, api.defaultTextMapGetter) : api.ROOT_CONTEXT;

  const start = (name: string, kind: number, parent: string | null | undefined, attributes: SpanAttributes): TraceSpan => {
    const span = tracer.startSpan(name, { kind, attributes }, parentContext(parent));
    const carrier: Record<string, string> = {};
    propagator.inject(api.trace.setSpan(api.ROOT_CONTEXT, span), carrier, api.defaultTextMapSetter);
    return {
      traceParent: carrier.traceparent ?? null,
      setAttributes: (more) => void span.setAttributes(more),
      end(error) {
        if (error !== undefined) span.setStatus({ code: api.SpanStatusCode.ERROR, message: error });
        span.end();
      },
    };
  };

  return {
    startPublish: (parent, attributes) =>
      start('hookpost publish', api.SpanKind.PRODUCER, parent, { 'messaging.system': 'hookpost', 'messaging.operation.type': 'publish', ...attributes }),
    startAttempt: (parent, attributes) =>
      start('hookpost deliver', api.SpanKind.CLIENT, parent, { 'messaging.system': 'hookpost', 'http.request.method': 'POST', ...attributes }),
    shutdown: () => provider.shutdown(),
  };
}
