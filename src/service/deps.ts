import type { TargetPolicy } from '../core/address-policy.js';
import type { Tracing } from '../core/tracing.js';
import type { SecretBox } from '../core/secret-box.js';
import type { Store } from '../store/store.js';
import type { PlatformCatalogs } from './event-catalog.js';
import type { DeliveryHandoff } from './handoff.js';

/** What every use case may use: the store, the secret box, the clock and the outbound target policy. */
export interface ServiceDeps {
  store: Store;
  secrets: SecretBox;
  now: () => number;
  targetPolicy: TargetPolicy;
  /** Scopes the mounted platform doors define (e.g. Kajabi's view:contacts), grantable to tenant keys. */
  platformScopes?: readonly string[];
  /** The event types of the doors this process serves, each in its platform's namespace (see event-catalog.ts). */
  platformCatalogs?: PlatformCatalogs;
  /** Lifetime of OAuth access tokens; one hour when absent. */
  accessTokenTtlMs?: number;
  /** Where publish spans go (OpenTelemetry, when configured); absent: none. */
  tracing?: Tracing;
  /** Where a use case reports what went wrong after it answered (the server's logger); absent: nowhere. */
  warn?: (message: string, error?: unknown) => void;
  /** The hand-off of fresh deliveries to this process's delivery engine, once it runs; absent: every delivery is claimed. */
  handoff?: DeliveryHandoff;
}
