import type { ApiKey, AuditEntry, Page, PageRequest } from '../../core/model.js';
import { decodeCursor, toPage } from '../cursor.js';
import { fromAuditEntry, toApiKey, toAuditEntry, type ApiKeyRow, type AuditEntryRow } from '../rows.js';
import type { AuditQuery, SealedValue, SealedValueChange } from '../store.js';
import type { PostgresDb } from './postgres-db.js';
import { toParams } from './postgres-rows.js';

const AUDIT_COLUMNS = Object.keys(fromAuditEntry({ actor: {} } as AuditEntry));
// One statement for a whole group of entries, whatever its size: each column travels as an array.
const INSERT_AUDIT = `INSERT INTO audit_log (${AUDIT_COLUMNS.join(', ')})
  SELECT ${AUDIT_COLUMNS.map((c) => (c === 'details' ? 'details::jsonb' : c)).join(', ')}
  FROM unnest(${AUDIT_COLUMNS.map((c, i) => `$${i + 1}::${c === 'at' ? 'bigint' : 'text'}[]`).join(', ')}) AS a(${AUDIT_COLUMNS.join(', ')})`;

// IS NOT DISTINCT FROM matches NULL too: the admin keys are the ones bound to no tenant.
const SELECT_KEYS = 'SELECT * FROM api_keys WHERE tenant_id IS NOT DISTINCT FROM $1 AND id > $2 ORDER BY id LIMIT $3';

const SELECT_AUDIT = `
  SELECT * FROM audit_log
  WHERE ($1::text IS NULL OR id < $1) AND ($2::text IS NULL OR tenant_id = $2) AND ($3::text IS NULL OR action = $3)
  ORDER BY id DESC LIMIT $4`;

// One statement for the whole batch: each secret is replaced only if it still holds the value
// the rotation read (a concurrent change wins), and the count says how many were.
const REPLACE_SEALED = `
  UPDATE subscriptions s SET sealed_secret = c.to_value
  FROM unnest($1::text[], $2::text[], $3::text[]) AS c(id, from_value, to_value)
  WHERE s.id = c.id AND s.sealed_secret = c.from_value
  RETURNING s.id`;

/** Key management, the audit log and sealed-secret rotation on PostgreSQL. */
export class PostgresSecurity {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async getApiKey(id: string): Promise<ApiKey | undefined> {
    const [row] = await this.#db.rows<ApiKeyRow>('SELECT * FROM api_keys WHERE id = $1', [id]);
    return row && toApiKey(row);
  }

  async listApiKeys(tenantId: string | null, page: PageRequest): Promise<Page<ApiKey>> {
    const rows = await this.#db.rows<ApiKeyRow>(SELECT_KEYS, [tenantId, decodeCursor(page.cursor) ?? '', page.limit + 1]);
    return toPage(rows.map(toApiKey), page.limit, (k) => k.id);
  }

  async revokeApiKey(id: string, at: number): Promise<boolean> {
    const revoked = await this.#db.rows('UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING id', [at, id]);
    return revoked.length > 0;
  }

  async insertAuditEntries(entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const rows = entries.map((entry) => toParams('audit_log', { ...fromAuditEntry(entry) }, AUDIT_COLUMNS));
    await this.#db.rows(INSERT_AUDIT, AUDIT_COLUMNS.map((_, i) => rows.map((row) => row[i])));
  }

  async listAuditEntries(query: AuditQuery, page: PageRequest): Promise<Page<AuditEntry>> {
    const rows = await this.#db.rows<AuditEntryRow>(SELECT_AUDIT, [
      decodeCursor(page.cursor),
      query.tenantId ?? null,
      query.action ?? null,
      page.limit + 1,
    ]);
    return toPage(rows.map(toAuditEntry), page.limit, (e) => e.id);
  }

  listSealedSecrets(afterId: string | null, limit: number): Promise<SealedValue[]> {
    return this.#db.rows<SealedValue>('SELECT id, sealed_secret AS sealed FROM subscriptions WHERE id > $1 ORDER BY id LIMIT $2', [
      afterId ?? '',
      limit,
    ]);
  }

  async replaceSealedSecrets(changes: SealedValueChange[]): Promise<number> {
    if (changes.length === 0) return 0;
    const replaced = await this.#db.rows(REPLACE_SEALED, [changes.map((c) => c.id), changes.map((c) => c.from), changes.map((c) => c.to)]);
    return replaced.length;
  }
}
