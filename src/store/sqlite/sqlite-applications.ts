import type Database from 'better-sqlite3';
import type { Application, IdempotentRequest, TenantEventType } from '../../core/model.js';
import {
  fromApplication,
  fromIdempotentRequest,
  fromTenantEventType,
  toApplication,
  toIdempotentRequest,
  toTenantEventType,
} from '../application-rows.js';
import { decodeCursor, decodeTimeCursor, timeKey, toPage } from '../cursor.js';
import type { ApplicationStore } from '../store.js';
import { uidTaken } from '../uids.js';
import { decodeRow, encodeRow, toEvent, toSubscription, type DbEvent, type DbSubscription } from './sqlite-rows.js';

const APPLICATION_COLUMNS = Object.keys(fromApplication({} as Application));
const EVENT_TYPE_COLUMNS = Object.keys(fromTenantEventType({} as TenantEventType));
const IDEMPOTENCY_COLUMNS = Object.keys(fromIdempotentRequest({} as IdempotentRequest));

const insertInto = (table: string, columns: string[]) =>
  `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => '@' + c).join(', ')})`;

/** Applications, uids, tenant event types and idempotency keys on SQLite (migration 0007). */
export function createSqliteApplications(db: Database.Database): ApplicationStore {
  // Prepared on first use: the tables exist only after migrate().
  const statements = new Map<string, Database.Statement>();
  const sql = (text: string) => {
    let statement = statements.get(text);
    if (!statement) statements.set(text, (statement = db.prepare(text)));
    return statement;
  };
  const application = (row: unknown) => (row ? toApplication(decodeRow('applications', row as Record<string, unknown>)) : undefined);
  const eventType = (row: unknown) =>
    row ? toTenantEventType(decodeRow('tenant_event_types', row as Record<string, unknown>)) : undefined;
  const idempotent = (row: unknown) => toIdempotentRequest(decodeRow('idempotency_keys', row as Record<string, unknown>));
  const isUidConflict = (error: unknown) => (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';

  return {
    async insertApplication(app) {
      try {
        sql(insertInto('applications', APPLICATION_COLUMNS)).run(encodeRow('applications', { ...fromApplication(app) }));
      } catch (error) {
        if (isUidConflict(error)) throw uidTaken(app);
        throw error;
      }
    },
    async getApplication(tenantId, id) {
      return application(sql('SELECT * FROM applications WHERE tenant_id = ? AND id = ?').get(tenantId, id));
    },
    async getApplicationByUid(tenantId, uid) {
      return application(sql('SELECT * FROM applications WHERE tenant_id = ? AND uid = ?').get(tenantId, uid));
    },
    async listApplications(tenantId, page, descending) {
      const rows = descending
        ? sql('SELECT * FROM applications WHERE tenant_id = ? AND id < ? ORDER BY id DESC LIMIT ?').all(tenantId, decodeCursor(page.cursor) ?? '\uffff', page.limit + 1)
        : sql('SELECT * FROM applications WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?').all(tenantId, decodeCursor(page.cursor) ?? '', page.limit + 1);
      return toPage(rows.map((row) => application(row)!), page.limit, (a) => a.id);
    },
    async updateApplication(tenantId, id, changes, at) {
      const current = application(sql('SELECT * FROM applications WHERE tenant_id = ? AND id = ?').get(tenantId, id));
      if (!current) return undefined;
      const next: Application = { ...current, ...changes, updatedAt: at };
      try {
        sql(`UPDATE applications SET ${APPLICATION_COLUMNS.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`).run(
          encodeRow('applications', { ...fromApplication(next) }),
        );
      } catch (error) {
        if (isUidConflict(error)) throw uidTaken(next);
        throw error;
      }
      return next;
    },
    async deleteApplication(tenantId, id) {
      return sql('DELETE FROM applications WHERE tenant_id = ? AND id = ?').run(tenantId, id).changes > 0;
    },

    async getSubscriptionByUid(tenantId, applicationId, uid) {
      const row = sql('SELECT * FROM subscriptions WHERE tenant_id = ? AND application_id IS ? AND uid = ?').get(tenantId, applicationId, uid);
      return row ? toSubscription(row as DbSubscription) : undefined;
    },
    async getEventByUid(tenantId, applicationId, uid) {
      const row = sql('SELECT * FROM events WHERE tenant_id = ? AND application_id IS ? AND uid = ?').get(tenantId, applicationId, uid);
      return row ? toEvent(row as DbEvent) : undefined;
    },
    async listApplicationEvents(tenantId, applicationId, query, page) {
      // Newest first; the cursor holds "created_at:id" of the last row shown.
      const [beforeTime, beforeId] = decodeTimeCursor(page.cursor) ?? [Number.MAX_SAFE_INTEGER, '\uffff'];
      const rows = sql(
        `SELECT * FROM events WHERE tenant_id = @tenant AND application_id = @application
           AND (created_at < @beforeTime OR (created_at = @beforeTime AND id < @beforeId))
           AND (@before IS NULL OR created_at < @before) AND (@after IS NULL OR created_at > @after)
           AND (@channel IS NULL OR EXISTS (SELECT 1 FROM json_each(events.channels) WHERE value = @channel))
           AND (@tag IS NULL OR EXISTS (SELECT 1 FROM json_each(events.tags) WHERE value = @tag))
           AND (@types IS NULL OR type IN (SELECT value FROM json_each(@types)))
         ORDER BY created_at DESC, id DESC LIMIT @limit`,
      ).all({
        tenant: tenantId,
        application: applicationId,
        beforeTime,
        beforeId,
        before: query.before ?? null,
        after: query.after ?? null,
        channel: query.channel ?? null,
        tag: query.tag ?? null,
        types: query.eventTypes && query.eventTypes.length > 0 ? JSON.stringify(query.eventTypes) : null,
        limit: page.limit + 1,
      }) as DbEvent[];
      return toPage(rows.map(toEvent), page.limit, (e) => timeKey(e.createdAt, e.id));
    },

    async upsertTenantEventType(t) {
      const columns = EVENT_TYPE_COLUMNS.filter((c) => c !== 'tenant_id' && c !== 'name' && c !== 'created_at');
      sql(
        `${insertInto('tenant_event_types', EVENT_TYPE_COLUMNS)}
         ON CONFLICT (tenant_id, name) DO UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}`,
      ).run(encodeRow('tenant_event_types', { ...fromTenantEventType(t) }));
    },
    async getTenantEventType(tenantId, name) {
      return eventType(sql('SELECT * FROM tenant_event_types WHERE tenant_id = ? AND name = ?').get(tenantId, name));
    },
    async listTenantEventTypes(tenantId, includeArchived, page) {
      const rows = sql('SELECT * FROM tenant_event_types WHERE tenant_id = ? AND name > ? AND (? OR archived = 0) ORDER BY name LIMIT ?').all(
        tenantId,
        decodeCursor(page.cursor) ?? '',
        includeArchived ? 1 : 0,
        page.limit + 1,
      );
      return toPage(rows.map((row) => eventType(row)!), page.limit, (t) => t.name);
    },
    async deleteTenantEventType(tenantId, name) {
      return sql('DELETE FROM tenant_event_types WHERE tenant_id = ? AND name = ?').run(tenantId, name).changes > 0;
    },

    async claimIdempotencyKeys(claims) {
      // One transaction for the group; per claim, a stale row (older than reusableBefore) is replaced, a live one wins.
      const dropStale = sql('DELETE FROM idempotency_keys WHERE tenant_id = ? AND key = ? AND created_at < ?');
      const insert = sql(`${insertInto('idempotency_keys', IDEMPOTENCY_COLUMNS)} ON CONFLICT DO NOTHING`);
      const holder = sql('SELECT * FROM idempotency_keys WHERE tenant_id = ? AND key = ?');
      return db.transaction(() =>
        claims.map(({ request, reusableBefore }) => {
          dropStale.run(request.tenantId, request.key, reusableBefore);
          insert.run(encodeRow('idempotency_keys', { ...fromIdempotentRequest(request) }));
          return idempotent(holder.get(request.tenantId, request.key));
        }),
      )();
    },
    async finishIdempotentRequests(answers) {
      const finish = sql("UPDATE idempotency_keys SET state = 'done', status = @status, body = @body WHERE tenant_id = @tenantId AND key = @key");
      db.transaction(() => {
        for (const answer of answers) finish.run(answer);
      })();
    },
    async releaseIdempotencyKey(tenantId, key) {
      sql("DELETE FROM idempotency_keys WHERE tenant_id = ? AND key = ? AND state = 'pending'").run(tenantId, key);
    },
  };
}
