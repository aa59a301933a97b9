import type { Application, IdempotentRequest, TenantEventType } from '../../core/model.js';
import {
  fromApplication,
  fromIdempotentRequest,
  fromTenantEventType,
  toApplication,
  toIdempotentRequest,
  toTenantEventType,
  type ApplicationRow,
  type IdempotentRequestRow,
  type TenantEventTypeRow,
} from '../application-rows.js';
import { decodeCursor, decodeTimeCursor, timeKey, toPage } from '../cursor.js';
import { toEvent, toSubscription, type EventRow, type SubscriptionRow } from '../rows.js';
import type { ApplicationStore } from '../store.js';
import { uidTaken } from '../uids.js';
import type { PostgresDb } from './postgres-db.js';
import { placeholders, toParams } from './postgres-rows.js';

const APPLICATION_COLUMNS = Object.keys(fromApplication({} as Application));
const EVENT_TYPE_COLUMNS = Object.keys(fromTenantEventType({} as TenantEventType));
const IDEMPOTENCY_COLUMNS = Object.keys(fromIdempotentRequest({} as IdempotentRequest));

const INSERT_APPLICATION = `INSERT INTO applications (${APPLICATION_COLUMNS.join(', ')}) VALUES (${placeholders(APPLICATION_COLUMNS.length)})`;
const UPDATE_APPLICATION = `UPDATE applications SET ${APPLICATION_COLUMNS.map((c, i) => `${c} = $${i + 1}`).join(', ')}
  WHERE id = $${APPLICATION_COLUMNS.indexOf('id') + 1}`;

const UPDATABLE_TYPE_COLUMNS = EVENT_TYPE_COLUMNS.filter((c) => c !== 'tenant_id' && c !== 'name' && c !== 'created_at');
const UPSERT_EVENT_TYPE = `
  INSERT INTO tenant_event_types (${EVENT_TYPE_COLUMNS.join(', ')}) VALUES (${placeholders(EVENT_TYPE_COLUMNS.length)})
  ON CONFLICT (tenant_id, name) DO UPDATE SET ${UPDATABLE_TYPE_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`;

// Newest first; the cursor holds created_at and id of the last row shown.
const LIST_APPLICATION_EVENTS = `
  SELECT * FROM events
  WHERE tenant_id = $1 AND application_id = $2 AND ($3::bigint IS NULL OR (created_at, id) < ($3, $4::text))
    AND ($5::bigint IS NULL OR created_at < $5) AND ($6::bigint IS NULL OR created_at > $6)
    AND ($7::text IS NULL OR channels @> jsonb_build_array($7::text))
    AND ($8::text IS NULL OR tags @> jsonb_build_array($8::text))
    AND ($9::text[] IS NULL OR type = ANY($9::text[]))
  ORDER BY created_at DESC, id DESC LIMIT $10`;

const isUidConflict = (error: unknown) => (error as { code?: string }).code === '23505';

/** Applications, uids, tenant event types and idempotency keys on PostgreSQL (migration 0007). */
export function createPostgresApplications(db: PostgresDb): ApplicationStore {
  return {
    async insertApplication(app) {
      try {
        await db.rows(INSERT_APPLICATION, toParams('applications', { ...fromApplication(app) }, APPLICATION_COLUMNS));
      } catch (error) {
        if (isUidConflict(error)) throw uidTaken(app);
        throw error;
      }
    },
    async getApplication(tenantId, id) {
      const [row] = await db.rows<ApplicationRow>('SELECT * FROM applications WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
      return row && toApplication(row);
    },
    async getApplicationByUid(tenantId, uid) {
      const [row] = await db.rows<ApplicationRow>('SELECT * FROM applications WHERE tenant_id = $1 AND uid = $2', [tenantId, uid]);
      return row && toApplication(row);
    },
    async listApplications(tenantId, page, descending) {
      const rows = descending
        ? await db.rows<ApplicationRow>('SELECT * FROM applications WHERE tenant_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3', [
            tenantId,
            decodeCursor(page.cursor) ?? '\uffff',
            page.limit + 1,
          ])
        : await db.rows<ApplicationRow>('SELECT * FROM applications WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3', [
            tenantId,
            decodeCursor(page.cursor) ?? '',
            page.limit + 1,
          ]);
      return toPage(rows.map(toApplication), page.limit, (a) => a.id);
    },
    async updateApplication(tenantId, id, changes, at) {
      const current = await this.getApplication(tenantId, id);
      if (!current) return undefined;
      const next: Application = { ...current, ...changes, updatedAt: at };
      try {
        await db.rows(UPDATE_APPLICATION, toParams('applications', { ...fromApplication(next) }, APPLICATION_COLUMNS));
      } catch (error) {
        if (isUidConflict(error)) throw uidTaken(next);
        throw error;
      }
      return next;
    },
    async deleteApplication(tenantId, id) {
      const rows = await db.rows('DELETE FROM applications WHERE tenant_id = $1 AND id = $2 RETURNING id', [tenantId, id]);
      return rows.length > 0;
    },

    async getSubscriptionByUid(tenantId, applicationId, uid) {
      const [row] = await db.rows<SubscriptionRow>(
        'SELECT * FROM subscriptions WHERE tenant_id = $1 AND application_id IS NOT DISTINCT FROM $2 AND uid = $3',
        [tenantId, applicationId, uid],
      );
      return row && toSubscription(row);
    },
    async getEventByUid(tenantId, applicationId, uid) {
      const [row] = await db.rows<EventRow>('SELECT * FROM events WHERE tenant_id = $1 AND application_id IS NOT DISTINCT FROM $2 AND uid = $3', [
        tenantId,
        applicationId,
        uid,
      ]);
      return row && toEvent(row);
    },
    async listApplicationEvents(tenantId, applicationId, query, page) {
      const before = decodeTimeCursor(page.cursor);
      const rows = await db.rows<EventRow>(LIST_APPLICATION_EVENTS, [
        tenantId,
        applicationId,
        before?.[0] ?? null,
        before?.[1] ?? null,
        query.before ?? null,
        query.after ?? null,
        query.channel ?? null,
        query.tag ?? null,
        query.eventTypes && query.eventTypes.length > 0 ? query.eventTypes : null,
        page.limit + 1,
      ]);
      return toPage(rows.map(toEvent), page.limit, (e) => timeKey(e.createdAt, e.id));
    },

    async upsertTenantEventType(t) {
      await db.rows(UPSERT_EVENT_TYPE, toParams('tenant_event_types', { ...fromTenantEventType(t) }, EVENT_TYPE_COLUMNS));
    },
    async getTenantEventType(tenantId, name) {
      const [row] = await db.rows<TenantEventTypeRow>('SELECT * FROM tenant_event_types WHERE tenant_id = $1 AND name = $2', [tenantId, name]);
      return row && toTenantEventType(row);
    },
    async listTenantEventTypes(tenantId, includeArchived, page) {
      const rows = await db.rows<TenantEventTypeRow>(
        'SELECT * FROM tenant_event_types WHERE tenant_id = $1 AND name > $2 AND ($3 OR NOT archived) ORDER BY name LIMIT $4',
        [tenantId, decodeCursor(page.cursor) ?? '', includeArchived, page.limit + 1],
      );
      return toPage(rows.map(toTenantEventType), page.limit, (t) => t.name);
    },
    async deleteTenantEventType(tenantId, name) {
      const rows = await db.rows('DELETE FROM tenant_event_types WHERE tenant_id = $1 AND name = $2 RETURNING name', [tenantId, name]);
      return rows.length > 0;
    },

    async claimIdempotencyKeys(claims) {
      // Keys are locked in one order (tenant, key) by every group, so two groups never deadlock.
      const order = claims.map((_, i) => i).sort((a, b) => compareKeys(claims[a]!.request, claims[b]!.request) || a - b);
      return db.transaction(async (client) => {
        const held: IdempotentRequest[] = new Array(claims.length);
        for (const i of order) {
          const { request, reusableBefore } = claims[i]!;
          // The key row is locked first, so a concurrent claim waits and then sees the winner.
          await client.query('DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND created_at < $3', [
            request.tenantId,
            request.key,
            reusableBefore,
          ]);
          await client.query(
            `INSERT INTO idempotency_keys (${IDEMPOTENCY_COLUMNS.join(', ')}) VALUES (${placeholders(IDEMPOTENCY_COLUMNS.length)}) ON CONFLICT (tenant_id, key) DO NOTHING`,
            toParams('idempotency_keys', { ...fromIdempotentRequest(request) }, IDEMPOTENCY_COLUMNS),
          );
          const result = await client.query<IdempotentRequestRow>('SELECT * FROM idempotency_keys WHERE tenant_id = $1 AND key = $2', [
            request.tenantId,
            request.key,
          ]);
          held[i] = toIdempotentRequest(result.rows[0]!);
        }
        return held;
      });
    },
    async finishIdempotentRequests(answers) {
      // One statement for the whole group: the answers travel as parallel arrays.
      await db.rows(
        `UPDATE idempotency_keys k SET state = 'done', status = a.status, body = a.body
         FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) AS a(tenant_id, key, status, body)
         WHERE k.tenant_id = a.tenant_id AND k.key = a.key`,
        [answers.map((a) => a.tenantId), answers.map((a) => a.key), answers.map((a) => a.status), answers.map((a) => a.body)],
      );
    },
    async releaseIdempotencyKey(tenantId, key) {
      await db.rows("DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND state = 'pending'", [tenantId, key]);
    },
  };
}

function compareKeys(a: IdempotentRequest, b: IdempotentRequest): number {
  if (a.tenantId !== b.tenantId) return a.tenantId < b.tenantId ? -1 : 1;
  return a.key === b.key ? 0 : a.key < b.key ? -1 : 1;
}
