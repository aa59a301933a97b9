import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { openDatabase } from '../src/store/sqlite/native-handles.js';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { rotateSecretKey } from '../src/cli/rotate-secret-key.js';
import { loadConfig } from '../src/config/config.js';
import { createSecretBox, keyIdOf } from '../src/core/secret-box.js';
import { resealSecrets } from '../src/service/secret-key-rotation.js';
import { createStore } from '../src/store/index.js';
import { startReceiver } from './support/receiver.js';
import { call, createTenant, defineEventType, eventually, publish, startServer, subscribe, type TestServer } from './support/server.js';

const hex = (key: Buffer) => key.toString('hex');

function freshPlace() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hookpost-rotation-'));
  return { dataDir, file: path.join(dataDir, 'hookpost.db') };
}

function sealedSecrets(file: string): string[] {
  const db = openDatabase(file, { readonly: true });
  try {
    return db.prepare('SELECT sealed_secret FROM subscriptions ORDER BY id').pluck().all() as string[];
  } finally {
    db.close();
  }
}

async function withSubscriptions(env: Record<string, string>, count: number): Promise<{ tenantId: string; secrets: Map<string, string> }> {
  const server = await startServer({ env });
  try {
    const tenant = await createTenant(server);
    await defineEventType(server, 'rotation.test');
    const secrets = new Map<string, string>();
    for (let i = 0; i < count; i++) {
      const created = await subscribe(server, tenant, { url: `http://127.0.0.1:9/${i}`, event_types: ['rotation.test'] });
      secrets.set(created.id, created.secret);
    }
    return { tenantId: tenant.id, secrets };
  } finally {
    await server.close();
  }
}

async function readSecrets(server: TestServer, tenantId: string, ids: Iterable<string>): Promise<Map<string, string>> {
  const read = new Map<string, string>();
  for (const id of ids) {
    const response = await call(server, 'GET', `/v1/tenants/${tenantId}/subscriptions/${id}/secret`, { token: server.adminToken });
    expect(response.status).toBe(200);
    read.set(id, response.body.secret);
  }
  return read;
}

function sink() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk) => (text += String(chunk)));
  return { out, text: () => text };
}

describe('hookpost rotate-secret-key', () => {
  it('re-seals every secret under the new key, which then opens them alone', async () => {
    const { dataDir, file } = freshPlace();
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const env = { HOOKPOST_DATA_DIR: dataDir, HOOKPOST_DATABASE_URL: `sqlite:${file}`, HOOKPOST_SECRET_KEY: hex(oldKey) };
    const { tenantId, secrets } = await withSubscriptions(env, 3);
    expect(sealedSecrets(file).every((s) => s.startsWith(`v1.${keyIdOf(oldKey)}.`))).toBe(true);

    const log = sink();
    expect(await rotateSecretKey(loadConfig(env), newKey.toString('base64'), log.out)).toBe(0);
    expect(log.text()).toContain('Re-sealed 3 secrets');
    expect(log.text()).toContain('HOOKPOST_PREVIOUS_SECRET_KEYS');
    const sealed = sealedSecrets(file);
    expect(sealed.every((s) => s.startsWith(`v1.${keyIdOf(newKey)}.`))).toBe(true);
    expect(() => createSecretBox(oldKey).open(sealed[0]!)).toThrow();

    const server = await startServer({ env: { ...env, HOOKPOST_SECRET_KEY: hex(newKey) } });
    try {
      expect(await readSecrets(server, tenantId, secrets.keys())).toEqual(secrets);
      const audit = await call(server, 'GET', '/v1/audit-log?action=secret_key.rotated', { token: server.adminToken });
      expect(audit.body.data[0]).toMatchObject({ actor: { kind: 'system', id: 'cli' }, target_id: keyIdOf(newKey), details: { resealed: 3 } });
    } finally {
      await server.close();
    }

    // Running it again finds nothing left to do.
    const again = sink();
    expect(await rotateSecretKey(loadConfig({ ...env, HOOKPOST_SECRET_KEY: hex(newKey) }), undefined, again.out)).toBe(0);
    expect(again.text()).toContain('Re-sealed 0 secrets under key');
    expect(again.text()).toContain('3 were under it already');
  });

  it('finishes a rotation begun by changing HOOKPOST_SECRET_KEY, reading HOOKPOST_PREVIOUS_SECRET_KEYS', async () => {
    const { dataDir, file } = freshPlace();
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const base = { HOOKPOST_DATA_DIR: dataDir, HOOKPOST_DATABASE_URL: `sqlite:${file}` };
    const { tenantId, secrets } = await withSubscriptions({ ...base, HOOKPOST_SECRET_KEY: hex(oldKey) }, 2);
    const rotated = { ...base, HOOKPOST_SECRET_KEY: hex(newKey), HOOKPOST_PREVIOUS_SECRET_KEYS: oldKey.toString('base64') };
    // Before the re-sealing, a server with both keys reads the old values.
    const server = await startServer({ env: rotated });
    try {
      expect(await readSecrets(server, tenantId, secrets.keys())).toEqual(secrets);
      expect(await rotateSecretKey(loadConfig(rotated), undefined, sink().out)).toBe(0);
      expect(sealedSecrets(file).every((s) => s.startsWith(`v1.${keyIdOf(newKey)}.`))).toBe(true);
      expect(await readSecrets(server, tenantId, secrets.keys())).toEqual(secrets);
    } finally {
      await server.close();
    }
  });

  it('keeps delivering, correctly signed, while the key rotates under a running server', async () => {
    const { dataDir, file } = freshPlace();
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const receiver = await startReceiver();
    // The running server seals with the old key and already opens values under the new one.
    const env = {
      HOOKPOST_DATA_DIR: dataDir,
      HOOKPOST_DATABASE_URL: `sqlite:${file}`,
      HOOKPOST_SECRET_KEY: hex(oldKey),
      HOOKPOST_PREVIOUS_SECRET_KEYS: hex(newKey),
    };
    const server = await startServer({ env });
    try {
      const tenant = await createTenant(server);
      await defineEventType(server, 'rotation.live');
      const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['rotation.live'] });
      expect((await publish(server, tenant, { type: 'rotation.live', data: { n: 1 } })).status).toBe(202);
      await receiver.waitFor(1);

      expect(await rotateSecretKey(loadConfig(env), hex(newKey), sink().out)).toBe(0);
      expect(sealedSecrets(file)[0]).toMatch(new RegExp(`^v1\\.${keyIdOf(newKey)}\\.`));

      expect((await publish(server, tenant, { type: 'rotation.live', data: { n: 2 } })).status).toBe(202);
      const [, second] = await receiver.waitFor(2);
      const verified = new Webhook(subscription.secret).verify(second!.body, second!.headers as Record<string, string>);
      expect(verified).toMatchObject({ data: { n: 2 } });
      const status = await eventually(async () => {
        const list = await call(server, 'GET', `/v1/tenants/${tenant.id}/deliveries`, { token: tenant.key });
        return list.body.data.every((d: { status: string }) => d.status === 'succeeded') ? true : undefined;
      });
      expect(status).toBe(true);
    } finally {
      await server.close();
      await receiver.close();
    }
  });

  it('moves a data-directory key to secret-key.previous and writes the new one', async () => {
    const { dataDir, file } = freshPlace();
    const env = { HOOKPOST_DATA_DIR: dataDir, HOOKPOST_DATABASE_URL: `sqlite:${file}` };
    const { tenantId, secrets } = await withSubscriptions(env, 2);
    const generated = Buffer.from(readFileSync(path.join(dataDir, 'secret-key'), 'utf8').trim(), 'base64');
    const newKey = randomBytes(32);
    const log = sink();
    expect(await rotateSecretKey(loadConfig(env), hex(newKey), log.out)).toBe(0);
    expect(log.text()).toContain('secret-key.previous');
    expect(readFileSync(path.join(dataDir, 'secret-key'), 'utf8').trim()).toBe(newKey.toString('base64'));
    expect(readFileSync(path.join(dataDir, 'secret-key.previous'), 'utf8').trim()).toBe(generated.toString('base64'));
    const server = await startServer({ env });
    try {
      expect(await readSecrets(server, tenantId, secrets.keys())).toEqual(secrets);
    } finally {
      await server.close();
    }
  });

  it('reports values no known key opens and exits 1, leaving them untouched', async () => {
    const { dataDir, file } = freshPlace();
    const base = { HOOKPOST_DATA_DIR: dataDir, HOOKPOST_DATABASE_URL: `sqlite:${file}` };
    await withSubscriptions({ ...base, HOOKPOST_SECRET_KEY: hex(randomBytes(32)) }, 2);
    const before = sealedSecrets(file);
    const log = sink();
    const unrelated = { ...base, HOOKPOST_SECRET_KEY: hex(randomBytes(32)) };
    expect(await rotateSecretKey(loadConfig(unrelated), hex(randomBytes(32)), log.out)).toBe(1);
    expect(log.text()).toContain('No known key opens 2 secrets');
    expect(sealedSecrets(file)).toEqual(before);
  });
});

describe('resealSecrets', () => {
  it('works in batches and never overwrites a value changed since it was read', async () => {
    const { file } = freshPlace();
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const store = await createStore(`sqlite:${file}`);
    await store.migrate();
    try {
      const db = openDatabase(file);
      const old = createSecretBox(oldKey);
      db.prepare("INSERT INTO tenants (id, name, created_at) VALUES ('t', 't', 0)").run();
      const insert = db.prepare(
        `INSERT INTO subscriptions (id, tenant_id, url, event_types, metadata, headers, format, platform_data, active, sealed_secret, created_at, updated_at)
         VALUES (?, 't', 'http://x/', '["*"]', '{}', '{}', 'native', '{}', 1, ?, 0, 0)`,
      );
      for (let i = 0; i < 7; i++) insert.run(`sub_${i}`, old.seal(`secret-${i}`));
      db.close();

      // A change that lands between the read and the write is kept, not overwritten.
      const listed = await store.listSealedSecrets(null, 1);
      expect(await store.replaceSealedSecrets([{ id: listed[0]!.id, from: 'not what it holds', to: 'x' }])).toBe(0);

      const box = createSecretBox(newKey, [oldKey]);
      const report = await resealSecrets({ store, secrets: box }, 3);
      expect(report).toEqual({ resealed: 7, alreadyCurrent: 0, changedMeanwhile: 0, unreadable: [] });
      const values = await store.listSealedSecrets(null, 100);
      expect(values.map((v) => createSecretBox(newKey).open(v.sealed))).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `secret-${i}`));
    } finally {
      await store.close();
    }
  });
});
