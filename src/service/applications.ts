import { HookpostError } from '../core/errors.js';
import { newId, ID_PREFIX } from '../core/ids.js';
import type { Application, PageRequest } from '../core/model.js';
import { uidProblems } from '../core/uids.js';
import type { ApplicationChanges } from '../store/store.js';
import type { ServiceDeps } from './deps.js';

/** What a door sets on an application. */
export interface ApplicationInput {
  name: string;
  uid?: string | null | undefined;
  metadata?: Record<string, string> | undefined;
  throttleRate?: number | null | undefined;
}

const APPLICATION_PREFIX = `${ID_PREFIX.application}_`;

/** Creates an application in the tenant; a uid another of its applications holds is a conflict. */
export async function createApplication(deps: ServiceDeps, tenantId: string, input: ApplicationInput): Promise<Application> {
  checkUid(input.uid);
  const now = deps.now();
  const application: Application = {
    id: newId('application'),
    tenantId,
    uid: input.uid ?? null,
    name: input.name,
    metadata: input.metadata ?? {},
    throttleRate: input.throttleRate ?? null,
    createdAt: now,
    updatedAt: now,
  };
  await deps.store.insertApplication(application);
  return application;
}

/** The tenant's application named by its id or its uid, or undefined. */
export async function findApplication(deps: ServiceDeps, tenantId: string, idOrUid: string): Promise<Application | undefined> {
  if (idOrUid.startsWith(APPLICATION_PREFIX)) return deps.store.getApplication(tenantId, idOrUid);
  return deps.store.getApplicationByUid(tenantId, idOrUid);
}

/** The tenant's application named by its id or its uid, or not_found. */
export async function requireApplication(deps: ServiceDeps, tenantId: string, idOrUid: string): Promise<Application> {
  const application = await findApplication(deps, tenantId, idOrUid);
  if (!application) throw new HookpostError('not_found', `No application ${idOrUid}.`);
  return application;
}

/** A page of the tenant's applications, oldest (or newest) first. */
export function listApplications(deps: ServiceDeps, tenantId: string, page: PageRequest, descending = false) {
  return deps.store.listApplications(tenantId, page, descending);
}

/** Changes an application; absent fields keep their values. */
export async function updateApplication(deps: ServiceDeps, tenantId: string, id: string, input: Partial<ApplicationInput>): Promise<Application> {
  checkUid(input.uid);
  const changes = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as ApplicationChanges;
  const updated = await deps.store.updateApplication(tenantId, id, changes, deps.now());
  if (!updated) throw new HookpostError('not_found', `No application ${id}.`);
  return updated;
}

/** Deletes an application with its subscriptions; its events stay in the tenant's log. */
export async function deleteApplication(deps: ServiceDeps, tenantId: string, id: string): Promise<void> {
  if (!(await deps.store.deleteApplication(tenantId, id))) throw new HookpostError('not_found', `No application ${id}.`);
}

function checkUid(uid: string | null | undefined): void {
  if (uid === undefined || uid === null) return;
  const problems = uidProblems(uid, APPLICATION_PREFIX);
  if (problems.length > 0) throw new HookpostError('validation_failed', 'The uid is not valid.', problems);
}
