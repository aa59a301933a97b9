// The three metric classes and the registry the delivery engine uses, loaded from prom-client's
// own files rather than its index. The index also loads the default process metrics, which
// require @opentelemetry/api (44 modules, for exemplars), plus Summary, Pushgateway and the
// cluster aggregator: about 2 MB of heap and 35-45 ms of CPU in a fresh thread, against a few
// hundred KB and 5 ms for these (docs/performance.md, "Start-up and memory"). The delivery
// thread starts with every `hookpost serve` and needs none of the rest; the API's thread loads
// the index anyway (default metrics, aggregation), and there these are the same cached modules.
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

const require = createRequire(import.meta.url);

export const Registry: typeof PromClient.Registry = require('prom-client/lib/registry.js');
export type Registry = PromClient.Registry;
export const Counter: typeof PromClient.Counter = require('prom-client/lib/counter.js');
export type Counter<T extends string = string> = PromClient.Counter<T>;
export const Gauge: typeof PromClient.Gauge = require('prom-client/lib/gauge.js');
export type Gauge<T extends string = string> = PromClient.Gauge<T>;
export const Histogram: typeof PromClient.Histogram = require('prom-client/lib/histogram.js');
export type Histogram<T extends string = string> = PromClient.Histogram<T>;
