// Imported by config.ts; ConfigError is only used when a function here runs, after both modules loaded.
import { ConfigError } from './config.js';

/** Where traces go, from the standard OTEL_* variables; null when tracing is off. */
export interface TracingConfig {
  /** The OTLP/HTTP traces URL (…/v1/traces). */
  readonly endpoint: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly serviceName: string;
}

type Env = Record<string, string | undefined>;

/**
 * Reads the OpenTelemetry SDK's standard variables. Tracing is on only when an OTLP endpoint is
 * named (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT plus /v1/traces) and
 * neither OTEL_SDK_DISABLED=true nor OTEL_TRACES_EXPORTER=none says otherwise. Spans are sent as
 * OTLP over HTTP with JSON bodies; another protocol is refused rather than silently ignored.
 */
export function loadTracingConfig(env: Env): TracingConfig | null {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  if (read('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return null;
  const exporter = read('OTEL_TRACES_EXPORTER');
  if (exporter !== undefined && exporter !== 'otlp') {
    if (exporter === 'none') return null;
    throw new ConfigError(`OTEL_TRACES_EXPORTER must be otlp or none, not "${exporter}".`);
  }
  const base = read('OTEL_EXPORTER_OTLP_ENDPOINT');
  const endpoint = read('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? (base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`);
  if (endpoint === undefined) return null;
  if (!/^https?:\/\/[^\s]+$/i.test(endpoint)) throw new ConfigError(`The OTLP traces endpoint must be an http(s) URL, not "${endpoint}".`);
  const protocol = read('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? read('OTEL_EXPORTER_OTLP_PROTOCOL') ?? 'http/json';
  if (protocol !== 'http/json') {
    throw new ConfigError(`Hookpost exports traces as OTLP http/json; OTEL_EXPORTER_OTLP_PROTOCOL "${protocol}" is not supported.`);
  }
  return {
    endpoint,
    headers: { ...parseHeaders(read('OTEL_EXPORTER_OTLP_HEADERS')), ...parseHeaders(read('OTEL_EXPORTER_OTLP_TRACES_HEADERS')) },
    serviceName: read('OTEL_SERVICE_NAME') ?? 'hookpost',
  };
}

/** `key=value,key2=value2`, values URL-encoded (the OTLP exporter specification's format). */
function parseHeaders(raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',')) {
    if (pair.trim() === '') continue;
    const at = pair.indexOf('=');
    if (at <= 0) throw new ConfigError(`OTEL_EXPORTER_OTLP_HEADERS must be key=value pairs separated by commas.`);
    try {
      headers[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      throw new ConfigError(`OTEL_EXPORTER_OTLP_HEADERS has a value that is not URL-encoded: "${pair}".`);
    }
  }
  return headers;
}
