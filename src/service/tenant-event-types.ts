import { HookpostError } from '../core/errors.js';
import type { EventType, PageRequest, TenantEventType } from '../core/model.js';
import type { ServiceDeps } from './deps.js';
import { findEventType } from './event-catalog.js';

/** What a door sets on a tenant's own event type; absent fields keep their values (or defaults). */
export interface TenantEventTypeInput {
  description?: string | undefined;
  schemas?: Record<string, unknown> | null | undefined;
  archived?: boolean | undefined;
  deprecated?: boolean | undefined;
  featureFlags?: string[] | null | undefined;
  groupName?: string | null | undefined;
}

/** Defines a type of the tenant's own; conflict if the tenant has one of that name (archived or not). */
export async function createTenantEventType(deps: ServiceDeps, tenantId: string, name: string, input: TenantEventTypeInput): Promise<TenantEventType> {
  if (await deps.store.getTenantEventType(tenantId, name)) throw new HookpostError('conflict', `The event type ${name} exists already.`);
  return saveTenantEventType(deps, tenantId, name, input, undefined);
}

/** Changes (or with `create`, creates) the tenant's type; fields not given keep their values. */
export async function updateTenantEventType(
  deps: ServiceDeps,
  tenantId: string,
  name: string,
  input: TenantEventTypeInput,
  options: { create: boolean },
): Promise<{ eventType: TenantEventType; created: boolean }> {
  const current = await deps.store.getTenantEventType(tenantId, name);
  if (!current && !options.create) throw new HookpostError('not_found', `No event type ${name}.`);
  return { eventType: await saveTenantEventType(deps, tenantId, name, input, current), created: !current };
}

/** The tenant's type of this name, or not_found. */
export async function requireTenantEventType(deps: ServiceDeps, tenantId: string, name: string): Promise<TenantEventType> {
  const eventType = await deps.store.getTenantEventType(tenantId, name);
  if (!eventType) throw new HookpostError('not_found', `No event type ${name}.`);
  return eventType;
}

/** A page of the tenant's types by name; archived ones only when asked for. */
export function listTenantEventTypes(deps: ServiceDeps, tenantId: string, includeArchived: boolean, page: PageRequest) {
  return deps.store.listTenantEventTypes(tenantId, includeArchived, page);
}

/** Archives the type (it stays publishable and readable) or, with `expunge`, deletes it. */
export async function removeTenantEventType(deps: ServiceDeps, tenantId: string, name: string, expunge: boolean): Promise<void> {
  if (expunge) {
    if (!(await deps.store.deleteTenantEventType(tenantId, name))) throw new HookpostError('not_found', `No event type ${name}.`);
    return;
  }
  await updateTenantEventType(deps, tenantId, name, { archived: true }, { create: false });
}

/**
 * The definition of a type for this tenant: the tenant's own type (a door whose types each tenant
 * defines, such as Svix's, keeps them qualified in its namespace: `svix:invoice.paid`), else the
 * operator's or a served door's catalog. A tenant type's schemas document payloads (by version)
 * and are not enforced; a catalog type's schema is.
 */
export async function resolveEventType(
  deps: ServiceDeps,
  tenantId: string,
  name: string,
): Promise<{ kind: 'tenant'; eventType: TenantEventType } | { kind: 'shared'; eventType: EventType } | undefined> {
  const own = await deps.store.getTenantEventType(tenantId, name);
  if (own) return { kind: 'tenant', eventType: own };
  const shared = await findEventType(deps, name);
  return shared ? { kind: 'shared', eventType: shared } : undefined;
}

/** Whether subscriptions of this tenant may name the type: the tenant's own or the shared catalog's. */
export async function isKnownEventType(deps: ServiceDeps, tenantId: string, name: string): Promise<boolean> {
  return (await resolveEventType(deps, tenantId, name)) !== undefined;
}

async function saveTenantEventType(
  deps: ServiceDeps,
  tenantId: string,
  name: string,
  input: TenantEventTypeInput,
  current: TenantEventType | undefined,
): Promise<TenantEventType> {
  const now = deps.now();
  const pick = <K extends keyof TenantEventTypeInput>(key: K, fallback: NonNullable<TenantEventType[K & keyof TenantEventType]> | null) =>
    input[key] !== undefined ? input[key] : (current?.[key as keyof TenantEventType] ?? fallback);
  const eventType: TenantEventType = {
    tenantId,
    name,
    description: (pick('description', '') as string) ?? '',
    schemas: pick('schemas', null) as TenantEventType['schemas'],
    archived: pick('archived', false) as boolean,
    deprecated: pick('deprecated', false) as boolean,
    featureFlags: pick('featureFlags', null) as string[] | null,
    groupName: pick('groupName', null) as string | null,
    createdAt: current?.createdAt ?? now,
    updatedAt: now,
  };
  await deps.store.upsertTenantEventType(eventType);
  return eventType;
}
