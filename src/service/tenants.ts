import { HookpostError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { PageRequest, Tenant } from '../core/model.js';
import type { ServiceDeps } from './deps.js';

/** Input of createTenant: a chosen id is optional. */
export interface NewTenant {
  id?: string | undefined;
  name: string;
}

/** Creates a tenant; a taken id is a conflict. */
export async function createTenant(deps: ServiceDeps, input: NewTenant): Promise<Tenant> {
  const tenant: Tenant = { id: input.id ?? newId('tenant'), name: input.name, createdAt: deps.now() };
  await deps.store.insertTenant(tenant);
  return tenant;
}

/** The tenant, or not_found. */
export async function requireTenant(deps: ServiceDeps, id: string): Promise<Tenant> {
  const tenant = await deps.store.getTenant(id);
  if (!tenant) throw new HookpostError('not_found', `No tenant ${id}.`);
  return tenant;
}

/** Tenants by id. */
export function listTenants(deps: ServiceDeps, page: PageRequest) {
  return deps.store.listTenants(page);
}

/**
 * Deletes a tenant: from this moment its API keys (and the access tokens issued to them) are
 * refused, its subscriptions are gone and their pending deliveries are never sent. Its events,
 * deliveries and audit entries stay for the admin to read; its id is not given out again.
 */
export async function deleteTenant(deps: ServiceDeps, id: string): Promise<void> {
  if (!(await deps.store.deleteTenant(id, deps.now()))) throw new HookpostError('not_found', `No tenant ${id}.`);
}
