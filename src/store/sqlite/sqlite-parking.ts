import { setImmediate as yieldToIo } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { PARKING_BATCH, serialisePerSubscription } from '../parking.js';

/** Parks and unparks a subscription's deliveries, and deletes subscriptions softly (see 0005_reliability.sql). */
export type SqliteParking = ReturnType<typeof createSqliteParking>;

export const PARK = `UPDATE deliveries SET parked = 1 WHERE id IN (
  SELECT id FROM deliveries WHERE subscription_id = ? AND due_at IS NOT NULL AND parked = 0 LIMIT ?)`;
export const UNPARK = 'UPDATE deliveries SET parked = 0 WHERE id IN (SELECT id FROM deliveries WHERE subscription_id = ? AND parked = 1 LIMIT ?)';

/** Prepares the statements on a migrated database. */
export function createSqliteParking(db: Database.Database) {
  const park = db.prepare(PARK);
  const unpark = db.prepare(UNPARK);
  const markDeleted = db.prepare(
    'UPDATE subscriptions SET deleted_at = ?, active = 0, updated_at = ? WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL',
  );
  const unindex = db.prepare('DELETE FROM subscription_event_types WHERE subscription_id = ?');
  const markTenantDeleted = db.prepare('UPDATE tenants SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL');
  const revokeTenantKeys = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND revoked_at IS NULL');
  const markTenantSubscriptionsDeleted = db.prepare(
    'UPDATE subscriptions SET deleted_at = ?, active = 0, updated_at = ? WHERE tenant_id = ? AND deleted_at IS NULL RETURNING id',
  );
  const serialised = serialisePerSubscription();

  // In small transactions with I/O let through between them: parking 200k rows at once would
  // hold the only writer (and the whole process with it) for seconds.
  const setParked = (subscriptionId: string, parked: boolean) =>
    serialised(subscriptionId, async () => {
      const statement = parked ? park : unpark;
      while (statement.run(subscriptionId, PARKING_BATCH).changes === PARKING_BATCH) await yieldToIo();
    });

  return {
    setParked,

    /** Hides the subscription and stops its deliveries; its delivery history stays for the retention period. */
    async softDelete(tenantId: string, id: string, now: number): Promise<boolean> {
      const deleted = db.transaction(() => {
        if (markDeleted.run(now, now, tenantId, id).changes === 0) return false;
        unindex.run(id);
        return true;
      })();
      // Parked in the background: the answer does not wait, and claims already skip it (inactive).
      if (deleted) void setParked(id, true).catch(() => undefined);
      return deleted;
    },

    /**
     * Hides the tenant, revokes its keys and soft-deletes its subscriptions in one transaction, so
     * its keys fail and its deliveries stop being claimed from the commit on; parked in the background.
     */
    async softDeleteTenant(tenantId: string, now: number): Promise<boolean> {
      const subscriptionIds = db.transaction(() => {
        if (markTenantDeleted.run(now, tenantId).changes === 0) return undefined;
        revokeTenantKeys.run(now, tenantId);
        const ids = (markTenantSubscriptionsDeleted.all(now, now, tenantId) as { id: string }[]).map((row) => row.id);
        for (const id of ids) unindex.run(id);
        return ids;
      }).immediate();
      if (!subscriptionIds) return false;
      for (const id of subscriptionIds) void setParked(id, true).catch(() => undefined);
      return true;
    },
  };
}
