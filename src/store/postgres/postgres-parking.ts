import { PARKING_BATCH, serialisePerSubscription } from '../parking.js';
import type { PostgresDb } from './postgres-db.js';

// Parking and soft deletion on PostgreSQL; see 0005_reliability.sql. Batches keep each
// transaction short, so parking 200k rows never holds long row locks against the claimers.

export const PARK = `
  WITH batch AS (
    UPDATE deliveries SET parked = true WHERE id IN (
      SELECT id FROM deliveries WHERE subscription_id = $1 AND due_at IS NOT NULL AND NOT parked LIMIT $2)
    RETURNING 1
  )
  SELECT count(*)::int AS n FROM batch`;
export const UNPARK = `
  WITH batch AS (
    UPDATE deliveries SET parked = false WHERE id IN (
      SELECT id FROM deliveries WHERE subscription_id = $1 AND parked LIMIT $2)
    RETURNING 1
  )
  SELECT count(*)::int AS n FROM batch`;
const SOFT_DELETE = `
  WITH deleted AS (
    UPDATE subscriptions SET deleted_at = $3, active = false, updated_at = $3
    WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL
    RETURNING id
  ), unindexed AS (
    DELETE FROM subscription_event_types t USING deleted WHERE t.subscription_id = deleted.id
  )
  SELECT id FROM deleted`;

// One statement, so the tenant, its keys and its subscriptions change in one transaction.
const SOFT_DELETE_TENANT = `
  WITH tenant AS (
    UPDATE tenants SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL RETURNING id
  ), revoked AS (
    UPDATE api_keys SET revoked_at = $2 WHERE tenant_id IN (SELECT id FROM tenant) AND revoked_at IS NULL
  ), deleted AS (
    UPDATE subscriptions SET deleted_at = $2, active = false, updated_at = $2
    WHERE tenant_id IN (SELECT id FROM tenant) AND deleted_at IS NULL
    RETURNING id
  ), unindexed AS (
    DELETE FROM subscription_event_types t USING deleted WHERE t.subscription_id = deleted.id
  )
  SELECT 'tenant' AS kind, id FROM tenant UNION ALL SELECT 'subscription', id FROM deleted`;

/** Parks and unparks a subscription's deliveries, and deletes subscriptions softly. */
export class PostgresParking {
  readonly #db: PostgresDb;
  readonly #serialised = serialisePerSubscription();

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  setParked(subscriptionId: string, parked: boolean): Promise<void> {
    return this.#serialised(subscriptionId, async () => {
      const statement = parked ? PARK : UNPARK;
      const batch = async () => (await this.#db.rows<{ n: number }>(statement, [subscriptionId, PARKING_BATCH]))[0]!.n;
      while ((await batch()) === PARKING_BATCH);
    });
  }

  /** Hides the subscription and stops its deliveries; its delivery history stays for the retention period. */
  async softDelete(tenantId: string, id: string, now: number): Promise<boolean> {
    const deleted = await this.#db.rows(SOFT_DELETE, [tenantId, id, now]);
    if (deleted.length === 0) return false;
    // Parked in the background: the answer does not wait, and claims already skip it (inactive).
    void this.setParked(id, true).catch(() => undefined);
    return true;
  }

  /**
   * Hides the tenant, revokes its keys and soft-deletes its subscriptions in one statement, so its
   * keys fail and its deliveries stop being claimed from the commit on; parked in the background.
   */
  async softDeleteTenant(tenantId: string, now: number): Promise<boolean> {
    const rows = await this.#db.rows<{ kind: 'tenant' | 'subscription'; id: string }>(SOFT_DELETE_TENANT, [tenantId, now]);
    if (!rows.some((row) => row.kind === 'tenant')) return false;
    for (const row of rows) if (row.kind === 'subscription') void this.setParked(row.id, true).catch(() => undefined);
    return true;
  }
}
