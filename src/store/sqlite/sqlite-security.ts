import type Database from 'better-sqlite3';
import type { ApiKey, AuditEntry, Page, PageRequest } from '../../core/model.js';
import { decodeCursor, toPage } from '../cursor.js';
import type { AuditQuery, SealedValue, SealedValueChange } from '../store.js';
import { fromAuditEntry } from '../rows.js';
import { encodeRow, toApiKey, toAuditEntry, type DbApiKey, type DbAuditEntry } from './sqlite-rows.js';

/** Key management, the audit log and sealed-secret rotation on SQLite. Statements are prepared once. */
export type SqliteSecurity = ReturnType<typeof createSqliteSecurity>;

/** Prepares the statements on a migrated database. */
export function createSqliteSecurity(db: Database.Database) {
  const selectKey = db.prepare('SELECT * FROM api_keys WHERE id = ?');
  // `tenant_id IS ?` matches NULL too: the admin keys are the ones bound to no tenant.
  const selectKeys = db.prepare('SELECT * FROM api_keys WHERE tenant_id IS ? AND id > ? ORDER BY id LIMIT ?');
  const revokeKey = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  const insertAudit = db.prepare(
    `INSERT INTO audit_log (id, at, actor_kind, actor_id, action, tenant_id, target_type, target_id, details)
     VALUES (@id, @at, @actor_kind, @actor_id, @action, @tenant_id, @target_type, @target_id, @details)`,
  );
  const selectAudit = db.prepare(
    `SELECT * FROM audit_log WHERE id < @before AND (@tenant IS NULL OR tenant_id = @tenant) AND (@action IS NULL OR action = @action)
     ORDER BY id DESC LIMIT @limit`,
  );
  const selectSealed = db.prepare('SELECT id, sealed_secret AS sealed FROM subscriptions WHERE id > ? ORDER BY id LIMIT ?');
  const replaceSealed = db.prepare('UPDATE subscriptions SET sealed_secret = @to WHERE id = @id AND sealed_secret = @from');

  return {
    getApiKey(id: string): ApiKey | undefined {
      const row = selectKey.get(id) as DbApiKey | undefined;
      return row && toApiKey(row);
    },
    listApiKeys(tenantId: string | null, page: PageRequest): Page<ApiKey> {
      const rows = selectKeys.all(tenantId, decodeCursor(page.cursor) ?? '', page.limit + 1) as DbApiKey[];
      return toPage(rows.map(toApiKey), page.limit, (k) => k.id);
    },
    revokeApiKey(id: string, at: number): boolean {
      return revokeKey.run(at, id).changes > 0;
    },
    insertAuditEntry(entry: AuditEntry): void {
      insertAudit.run(encodeRow('audit_log', { ...fromAuditEntry(entry) }));
    },
    listAuditEntries(query: AuditQuery, page: PageRequest): Page<AuditEntry> {
      const rows = selectAudit.all({
        before: decodeCursor(page.cursor) ?? '\uffff',
        tenant: query.tenantId ?? null,
        action: query.action ?? null,
        limit: page.limit + 1,
      }) as DbAuditEntry[];
      return toPage(rows.map(toAuditEntry), page.limit, (e) => e.id);
    },
    listSealedSecrets(afterId: string | null, limit: number): SealedValue[] {
      return selectSealed.all(afterId ?? '', limit) as SealedValue[];
    },
    replaceSealedSecrets: db.transaction((changes: SealedValueChange[]): number => {
      let replaced = 0;
      for (const change of changes) replaced += replaceSealed.run(change).changes;
      return replaced;
    }) as Database.Transaction<(changes: SealedValueChange[]) => number>,
  };
}
