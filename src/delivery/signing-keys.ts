import type { Subscription } from '../core/model.js';
import type { SecretBox } from '../core/secret-box.js';
import { signingKeyOf, type SigningKey } from '../core/signing.js';

/** What a sender needs to sign one subscription's delivery. */
export interface SubscriptionKeys {
  /** The current secret in plaintext, for platform formats that sign with their own header. */
  secret: string;
  /** Current key first, then the rotated-out one while its grace period lasts. */
  keys: SigningKey[];
}

// Opening a sealed secret and deriving its key costs more than a send's signing; the cache holds
// them by sealed value, so a rotation (a new sealed value) is picked up at once.
const MAX_CACHED = 10_000;

/** Opens and caches subscriptions' signing keys. */
export class SigningKeyring {
  readonly #secrets: SecretBox;
  readonly #cache = new Map<string, { secret: string; key: SigningKey }>();

  constructor(secrets: SecretBox) {
    this.#secrets = secrets;
  }

  /**
   * The keys that sign a delivery of this subscription at `now`. A rotated-out secret that can no
   * longer be opened (its instance key was dropped) is left out rather than failing the delivery.
   */
  keysFor(subscription: Subscription, now: number): SubscriptionKeys {
    const current = this.#open(subscription.sealedSecret);
    const keys = [current.key];
    const previous = subscription.previousSealedSecret;
    if (previous && subscription.previousSecretExpiresAt !== null && subscription.previousSecretExpiresAt > now) {
      try {
        keys.push(this.#open(previous).key);
      } catch {
        // Only the overlap is lost: receivers that already switched to the new secret still verify.
      }
    }
    return { secret: current.secret, keys };
  }

  #open(sealed: string): { secret: string; key: SigningKey } {
    let entry = this.#cache.get(sealed);
    if (!entry) {
      const secret = this.#secrets.open(sealed);
      entry = { secret, key: signingKeyOf(secret) };
      if (this.#cache.size >= MAX_CACHED) this.#cache.clear();
      this.#cache.set(sealed, entry);
    }
    return entry;
  }
}
