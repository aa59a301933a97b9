import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateEd25519Secret } from './ed25519-keys.js';
import { generateSecret, secretKey, signingKeyOf, standardWebhookHeaders, verifyStandardWebhook } from './signing.js';

describe('Standard Webhooks signing', () => {
  it('produces signatures the reference implementation accepts', () => {
    const secret = generateSecret();
    const body = JSON.stringify({ type: 'x', data: { é: '✓' } });
    const now = Math.floor(Date.now() / 1000);
    const headers = standardWebhookHeaders(secretKey(secret), 'evt_1', now, body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(verifyStandardWebhook(secret, headers, body, now)).toBe(true);
  });

  it('rejects a changed body, another secret and a stale timestamp', () => {
    const secret = generateSecret();
    const now = Math.floor(Date.now() / 1000);
    const headers = standardWebhookHeaders(secretKey(secret), 'evt_1', now, '{}');
    expect(verifyStandardWebhook(secret, headers, '{"a":1}', now)).toBe(false);
    expect(verifyStandardWebhook(generateSecret(), headers, '{}', now)).toBe(false);
    expect(verifyStandardWebhook(secret, headers, '{}', now + 3600)).toBe(false);
  });

  it('signs a body given as its UTF-8 bytes exactly as its text, with an HMAC key and an Ed25519 key', () => {
    const body = JSON.stringify({ type: 'x', data: { é: '✓', emoji: '🎉' } });
    const bytes = Buffer.from(body);
    const keys = [signingKeyOf(generateSecret()), signingKeyOf(generateEd25519Secret())];
    const fromText = standardWebhookHeaders(keys, 'evt_1', 1764800000, body);
    expect(standardWebhookHeaders(keys, 'evt_1', 1764800000, bytes)).toEqual(fromText);
    expect(fromText['webhook-signature']).toMatch(/^v1,\S+ v1a,\S+$/);
    const secret = generateSecret();
    const headers = standardWebhookHeaders(secretKey(secret), 'evt_2', Math.floor(Date.now() / 1000), bytes);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('accepts whsec_ secrets of 24 to 64 bytes only', () => {
    expect(secretKey(generateSecret())).toHaveLength(32);
    expect(() => secretKey('whsec_' + Buffer.alloc(16).toString('base64'))).toThrow();
    expect(() => secretKey('whsec_' + Buffer.alloc(65).toString('base64'))).toThrow();
    expect(() => secretKey('sk_' + Buffer.alloc(32).toString('base64'))).toThrow();
    expect(() => secretKey('whsec_!!notbase64!!')).toThrow();
  });
});
