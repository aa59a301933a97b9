import { newId } from '../../src/core/ids.js';
import type { Subscription } from '../../src/core/model.js';

/**
 * A subscription record as the store keeps it, for store-level tests that insert rows directly:
 * every field has a plain default (native format, active, HMAC, created at `at`), and a test
 * names only what it is about.
 */
export function subscriptionRecord(tenantId: string, at: number, fields: Partial<Subscription> = {}): Subscription {
  return {
    id: newId('subscription'),
    tenantId,
    url: 'https://example.com/hook',
    eventTypes: ['*'],
    name: null,
    description: null,
    metadata: {},
    headers: {},
    filter: null,
    format: 'native',
    platformData: {},
    active: true,
    disabledReason: null,
    sealedSecret: 'sealed',
    previousSealedSecret: null,
    previousSecretExpiresAt: null,
    signing: 'hmac',
    retryPolicy: null,
    createdAt: at,
    updatedAt: at,
    ...fields,
  };
}
