// Tracing, as the rest of the code sees it: a publish span and one span per delivery attempt,
// joined across processes by the W3C traceparent the event keeps. OpenTelemetry itself lives in
// runtime/tracing.ts and is loaded only when it is configured; without it these calls do nothing.

/** Span attribute values: what OpenTelemetry accepts. */
export type SpanAttributes = Record<string, string | number | boolean>;

/** A started span. */
export interface TraceSpan {
  /** This span's W3C traceparent, to keep with what it made (null when tracing is off). */
  readonly traceParent: string | null;
  setAttributes(attributes: SpanAttributes): void;
  /** Ends the span; with `error`, marks it failed with that message. */
  end(error?: string): void;
}

/** Starts Hookpost's spans; `noTracing` when tracing is off. */
export interface Tracing {
  /** The span of one publish call, a child of the caller's span when `parent` (its traceparent header) is given. */
  startPublish(parent: string | undefined, attributes: SpanAttributes): TraceSpan;
  /** The span of one delivery attempt, a child of the publish span whose traceparent the event kept. */
  startAttempt(parent: string | null | undefined, attributes: SpanAttributes): TraceSpan;
  /** Sends the spans still buffered and stops. */
  shutdown(): Promise<void>;
}

const noSpan: TraceSpan = { traceParent: null, setAttributes: () => undefined, end: () => undefined };

/** Tracing that records nothing: what runs when no OTEL_* exporter is configured. */
export const noTracing: Tracing = {
  startPublish: () => noSpan,
  startAttempt: () => noSpan,
  shutdown: async () => undefined,
};
