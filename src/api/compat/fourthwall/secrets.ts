import { randomUUID } from 'node:crypto';
import type { ServiceDeps } from '../../../service/deps.js';
import { view } from '../../../service/subscriptions.js';
import { FOURTHWALL } from './envelope.js';

// Fourthwall signs with one secret per shop (a UUID shown in the shop's webhook settings), keyed
// as UTF-8 text. A subscription key is `whsec_` + base64 of key bytes, so the shop secret's UTF-8
// bytes are the key of each of the shop's Fourthwall subscriptions: signing with the key is
// signing with the secret, and the Standard Webhooks headers use the same key.

/** The subscription key whose bytes are this shop secret. */
export function keyOfShopSecret(shopSecret: string): string {
  return `whsec_${Buffer.from(shopSecret, 'utf8').toString('base64')}`;
}

/** The shop secret a subscription key stands for. */
export function shopSecretOfKey(key: string): string {
  return Buffer.from(key.slice('whsec_'.length), 'base64').toString('utf8');
}

/** The shop's secret: the one its existing Fourthwall webhooks use, or a new one for its first. */
export async function shopSecret(deps: ServiceDeps, tenantId: string): Promise<string> {
  const page = await deps.store.listSubscriptions(tenantId, { format: FOURTHWALL }, { cursor: null, limit: 1 });
  const first = page.items[0];
  return first ? shopSecretOfKey(view(deps, first, true).secret!) : randomUUID();
}
