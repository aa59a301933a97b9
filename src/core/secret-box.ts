import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Seals secrets at rest with AES-256-GCM. A sealed value reads `v1.<key id>.<iv>.<tag>.<ciphertext>`
 * (base64url parts), so a key rotation can tell which key sealed each value.
 */
export interface SecretBox {
  /** The id of the key that seals new values. */
  readonly keyId: string;
  /** Encrypts and authenticates a secret. */
  seal(plaintext: string): string;
  /** Decrypts a value sealed by this box's key or by one of its older keys; throws if it was tampered with. */
  open(sealed: string): string;
  /** Whether `sealed` was sealed by the current key (a rotation leaves such values alone). */
  isCurrent(sealed: string): boolean;
  /**
   * Keys for another purpose (such as signing access tokens), derived with HKDF so the sealing
   * key itself never leaves the box: the current key's first, then the older keys'.
   */
  deriveKeys(purpose: string): Buffer[];
}

/** A box sealing with `key` (32 bytes) and able to open values sealed by `previousKeys` too. */
export function createSecretBox(key: Buffer, previousKeys: Buffer[] = []): SecretBox {
  const keys = new Map<string, Buffer>();
  for (const candidate of [key, ...previousKeys]) {
    if (candidate.length !== 32) throw new Error('A secret key is 32 bytes.');
    keys.set(keyIdOf(candidate), candidate);
  }
  const keyId = keyIdOf(key);
  return {
    keyId,
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
    },
    open(sealed) {
      const [version, id, iv, tag, ciphertext] = sealed.split('.');
      const sealingKey = id === undefined ? undefined : keys.get(id);
      if (version !== 'v1' || !sealingKey || iv === undefined || tag === undefined || ciphertext === undefined) {
        throw new Error('This value was not sealed by a known key.');
      }
      const decipher = createDecipheriv('aes-256-gcm', sealingKey, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    },
    isCurrent(sealed) {
      return sealed.startsWith(`v1.${keyId}.`);
    },
    deriveKeys(purpose) {
      return [...keys.values()].map((k) => Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), `hookpost ${purpose}`, 32)));
    },
  };
}

/** A short public fingerprint of a key, safe to store beside the values it sealed. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 8);
}
