import { newId } from '../core/ids.js';
import type { Actor, AuditEntry, PageRequest } from '../core/model.js';
import type { AuditQuery } from '../store/store.js';
import type { ServiceDeps } from './deps.js';
import { groupCommitsOf } from './group-commit.js';

/** What a door says happened; who and when are added here. */
export type AuditRecord = Omit<AuditEntry, 'id' | 'at' | 'actor' | 'details'> & { details?: Record<string, unknown> };

/** Writes one line of the audit log; resolves once it is committed (lines written at the same moment share one transaction). */
export async function recordAudit(deps: ServiceDeps, actor: Actor, record: AuditRecord): Promise<AuditEntry> {
  const entry: AuditEntry = { id: newId('audit'), at: deps.now(), actor, ...record, details: record.details ?? {} };
  await groupCommitsOf(deps.store).auditEntries.write(entry);
  return entry;
}

/** The audit log, newest first. */
export function listAuditEntries(deps: ServiceDeps, query: AuditQuery, page: PageRequest) {
  return deps.store.listAuditEntries(query, page);
}
