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
