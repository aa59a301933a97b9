import { listAuditEntries } from '../../service/audit.js';

import { pageRequest, presentAuditEntry, presentPage } from '../presenters.js';
import { AuditPage, AuditQuery } from '../schemas.js';
import { errorResponses, type RoutePlugin } from './context.js';

/** The audit log, for the admin. */
export const auditLogRoutes: RoutePlugin = async (app, { service }) => {
  app.get(
    '/audit-log',
    {
      config: { scope: 'audit-log:read', instanceWide: true },
      schema: {
        tags: ['audit-log'],
        summary: 'Who created, changed, rotated, revoked or deleted what, newest first',
        description: 'Needs a credential bound to no tenant with `audit-log:read` (or `admin`).',
        querystring: AuditQuery,
        response: { 200: AuditPage, ...errorResponses },
      },
    },
    async (request) => {
      const { tenant_id, action } = request.query;
      return presentPage(await listAuditEntries(service, { tenantId: tenant_id, action }, pageRequest(request.query)), presentAuditEntry);
    },
  );
};
