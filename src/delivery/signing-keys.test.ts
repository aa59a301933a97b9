import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { Subscription } from '../core/model.js';
import { createSecretBox } from '../core/secret-box.js';
import { generateSecret, standardWebhookHeaders } from '../core/signing.js';
import { SigningKeyring } from './signing-keys.js';

const box = createSecretBox(randomBytes(32));
const NOW = Date.now();

function subscriptionWith(secret: string, previous: { secret: string; expiresAt: number } | null): Subscription {
  return {
    sealedSecret: box.seal(secret),
    previousSealedSecret: previous && box.seal(previous.secret),
    previousSecretExpiresAt: previous?.expiresAt ?? null,
    signing: 'hmac',
  } as Subscription;
}

function signedBy(subscription: Subscription, at: number) {
  const body = JSON.stringify({ type: 'order.created', data: { n: 1 } });
  const { keys } = new SigningKeyring(box).keysFor(subscription, at);
  return { body, headers: standardWebhookHeaders(keys, 'evt_1', Math.floor(NOW / 1000), body) };
}

describe('signing keys of a subscription', () => {
  it('signs with the new and the old secret during the grace period, so receivers knowing either verify', () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const { body, headers } = signedBy(subscriptionWith(newSecret, { secret: oldSecret, expiresAt: NOW + 1000 }), NOW);
    expect(headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
    expect(new Webhook(oldSecret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(newSecret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('signs with the new secret alone once the grace period is over', () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const { body, headers } = signedBy(subscriptionWith(newSecret, { secret: oldSecret, expiresAt: NOW }), NOW);
    expect(headers['webhook-signature']).toMatch(/^v1,\S+$/);
    expect(() => new Webhook(oldSecret).verify(body, headers)).toThrow();
    expect(new Webhook(newSecret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('leaves out an old secret no key opens rather than failing the delivery', () => {
    const newSecret = generateSecret();
    const subscription = { ...subscriptionWith(newSecret, null), previousSealedSecret: 'v1.unknown.a.b.c', previousSecretExpiresAt: NOW + 1000 };
    const { body, headers } = signedBy(subscription, NOW);
    expect(new Webhook(newSecret).verify(body, headers)).toEqual(JSON.parse(body));
  });
});
