// How big a benchmark run is: full (the published table), quick, or smoke (seconds; proves the
// suite runs, as CI does; nothing in it is timed).

export interface Sizes {
  events: number;
  /** Raw undici POSTs measured (at least `events`: the raw figure is the steadier one). */
  rawPosts: number;
  /** The smallest warm-up of a throughput job (see warmUpFor in throughput.ts). */
  warmUpMin: number;
  latencySeconds: number;
  fanOut: number;
  costTenants: number;
  costPublishes: number;
  dueDeliveries: number;
  dueMeasured: number;
  /** How long a hanging endpoint holds a request (HOOKPOST_REQUEST_TIMEOUT). */
  hangTimeout: string;
  /** When the idle server's RSS is read, in seconds after it is ready (see `idle` in scenarios.ts). */
  idleSeconds: number;
}

export const SIZES: Record<'full' | 'quick' | 'smoke', Sizes> = {
  full: { events: 20_000, rawPosts: 50_000, warmUpMin: 2_000, latencySeconds: 10, fanOut: 10_000, costTenants: 1_000, costPublishes: 3_000, dueDeliveries: 1_000_000, dueMeasured: 100_000, hangTimeout: '10s', idleSeconds: 20 },
  quick: { events: 5_000, rawPosts: 20_000, warmUpMin: 2_000, latencySeconds: 3, fanOut: 2_000, costTenants: 100, costPublishes: 1_000, dueDeliveries: 100_000, dueMeasured: 20_000, hangTimeout: '5s', idleSeconds: 20 },
  smoke: { events: 200, rawPosts: 200, warmUpMin: 20, latencySeconds: 0.3, fanOut: 50, costTenants: 3, costPublishes: 50, dueDeliveries: 500, dueMeasured: 200, hangTimeout: '1s', idleSeconds: 3 },
};
