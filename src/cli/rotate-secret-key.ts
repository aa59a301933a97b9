import { ConfigError, loadConfig, parseSecretKey, type Config } from '../config/config.js';
import { loadInstanceSecrets, replaceStoredSecretKey } from '../config/instance-secrets.js';
import { createSecretBox, keyIdOf } from '../core/secret-box.js';
import { recordAudit } from '../service/audit.js';
import { resealSecrets } from '../service/secret-key-rotation.js';
import { createStore } from '../store/index.js';

/**
 * `hookpost rotate-secret-key [--new-key K]`: re-seals every sealed value under the new key
 * (--new-key, else HOOKPOST_NEW_SECRET_KEY, else the configured key, which finishes a rotation
 * begun by changing HOOKPOST_SECRET_KEY). Old values are opened with the configured key and the
 * previous keys. Returns the exit code: 0 when every value is now under the new key.
 */
export async function rotateSecretKey(config: Config, newKeyText: string | undefined, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const instance = loadInstanceSecrets(config);
  const newKey = newKeyText !== undefined ? parseSecretKey(newKeyText, '--new-key')! : (config.newSecretKey ?? instance.secretKey);
  const changesKey = !newKey.equals(instance.secretKey);
  // The data directory's key file changes first, keeping the old key as a previous one: a
  // process that starts at any moment from here on can open values under either key.
  if (changesKey && instance.secretKeyInDataDir) replaceStoredSecretKey(config.dataDir, instance.secretKey, newKey);

  const secrets = createSecretBox(newKey, [instance.secretKey, ...instance.previousKeys]);
  const store = await createStore(config.databaseUrl);
  try {
    await store.migrate();
    const report = await resealSecrets({ store, secrets });
    await recordAudit({ store, secrets, now: Date.now, targetPolicy: config.targetPolicy }, { kind: 'system', id: 'cli' }, {
      action: 'secret_key.rotated',
      tenantId: null,
      targetType: 'secret_key',
      targetId: secrets.keyId,
      details: { from_key_id: keyIdOf(instance.secretKey), resealed: report.resealed, unreadable: report.unreadable.length },
    });
    out.write(
      `Re-sealed ${report.resealed} secrets under key ${secrets.keyId}; ${report.alreadyCurrent} were under it already` +
        (report.changedMeanwhile > 0 ? `; ${report.changedMeanwhile} changed meanwhile (run again to check them)` : '') +
        '.\n',
    );
    if (report.unreadable.length > 0) {
      out.write(`No known key opens ${report.unreadable.length} secrets (${report.unreadable.slice(0, 5).join(', ')}…): add their key to HOOKPOST_PREVIOUS_SECRET_KEYS and run again.\n`);
    }
    if (changesKey && !instance.secretKeyInDataDir) {
      out.write(
        'Now set HOOKPOST_SECRET_KEY to the new key and keep the old one in HOOKPOST_PREVIOUS_SECRET_KEYS until every process has restarted; then run this command again and drop the old key.\n',
      );
    } else if (changesKey) {
      out.write(`The new key is in ${config.dataDir}/secret-key, the old one in secret-key.previous. Restart every process.\n`);
    }
    return report.unreadable.length > 0 || report.changedMeanwhile > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
}

/** The CLI action: reads the configuration, rotates, exits with the result. */
export async function rotateSecretKeyCommand(options: { newKey?: string }): Promise<void> {
  try {
    process.exitCode = await rotateSecretKey(loadConfig(), options.newKey);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`hookpost: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
}
