import type { SecretBox } from '../core/secret-box.js';
import type { Store } from '../store/store.js';

/** What a re-sealing pass did. */
export interface ResealReport {
  /** Values re-sealed under the current key by this pass. */
  resealed: number;
  /** Values that were sealed under the current key already. */
  alreadyCurrent: number;
  /** Values changed by someone else between read and write; they are left as that change made them. */
  changedMeanwhile: number;
  /** Ids of values no known key opens: sealed under a key this box was not given. */
  unreadable: string[];
}

/**
 * Re-seals every sealed secret under the box's current key, one transaction per batch. The box
 * must be able to open the old values (give it the old keys as previous keys). Each write is a
 * compare-and-set, so a secret rotated through the API while this runs keeps its new value.
 * Running it again is harmless and finishes what a crash interrupted.
 */
export async function resealSecrets(deps: { store: Store; secrets: SecretBox }, batchSize = 500): Promise<ResealReport> {
  const report: ResealReport = { resealed: 0, alreadyCurrent: 0, changedMeanwhile: 0, unreadable: [] };
  let after: string | null = null;
  for (;;) {
    const batch = await deps.store.listSealedSecrets(after, batchSize);
    if (batch.length === 0) return report;
    after = batch[batch.length - 1]!.id;
    const changes = [];
    for (const value of batch) {
      if (deps.secrets.isCurrent(value.sealed)) {
        report.alreadyCurrent += 1;
        continue;
      }
      let plaintext: string;
      try {
        plaintext = deps.secrets.open(value.sealed);
      } catch {
        report.unreadable.push(value.id);
        continue;
      }
      changes.push({ id: value.id, from: value.sealed, to: deps.secrets.seal(plaintext) });
    }
    if (changes.length === 0) continue;
    const replaced = await deps.store.replaceSealedSecrets(changes);
    report.resealed += replaced;
    report.changedMeanwhile += changes.length - replaced;
  }
}
