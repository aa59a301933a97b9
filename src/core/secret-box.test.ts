import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox } from './secret-box.js';

describe('secret box', () => {
  it('seals with AES-256-GCM: the sealed text reveals nothing and opens to the secret', () => {
    const box = createSecretBox(randomBytes(32));
    const sealed = box.seal('whsec_topsecret');
    expect(sealed).not.toContain('topsecret');
    expect(sealed.startsWith(`v1.${box.keyId}.`)).toBe(true);
    expect(box.open(sealed)).toBe('whsec_topsecret');
    expect(box.seal('whsec_topsecret')).not.toBe(sealed); // a fresh IV each time
  });

  it('refuses tampered values and values sealed by an unknown key', () => {
    const box = createSecretBox(randomBytes(32));
    const sealed = box.seal('secret');
    const parts = sealed.split('.');
    parts[4] = Buffer.from('forged').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
    expect(() => createSecretBox(randomBytes(32)).open(sealed)).toThrow();
  });

  it('opens values sealed under a previous key', () => {
    const oldKey = randomBytes(32);
    const sealed = createSecretBox(oldKey).seal('secret');
    expect(createSecretBox(randomBytes(32), [oldKey]).open(sealed)).toBe('secret');
  });
});
