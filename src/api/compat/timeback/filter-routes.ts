import { HookpostError } from '../../../core/errors.js';
import type { RoutePlugin } from '../../v1/context.js';
import { timebackAccess } from './access.js';
import type { StoredFilter } from './filters.js';
import type { IssueDetail } from './issues.js';
import { presentFilter } from './mapping.js';
import { FilterAnswer, FilterBody, FilterListAnswer, IdParams, StatusAnswer, WebhookIdParams } from './schemas.js';
import { createFilter, listFilters, replaceFilter, requireFilter, softDeleteFilter, type FilterInput } from './webhooks.js';

const tags = ['compat: timeback'];
const READ = 'read' as const;
const WRITE = 'write' as const;
const SUCCESS = { status: 'success' as const, message: '', errors: null };
const show = ({ webhookId, filter }: { webhookId: string; filter: StoredFilter }) => presentFilter(webhookId, filter);

/** `/webhook-filters/…`: create, list (all or one webhook's), get, replace and (soft) delete. */
export const filterRoutes: RoutePlugin = async (app, { service }) => {
  app.post('/', { config: { platformAccess: WRITE }, schema: { tags, summary: 'Create a webhook filter', body: FilterBody, response: { 201: FilterAnswer } } }, async (request, reply) => {
    const { tenantId } = await timebackAccess.caller(service, request);
    return reply.status(201).send({ filter: show(await createFilter(service, tenantId, filterInput(request.body))) });
  });

  app.get('/', { config: { platformAccess: READ }, schema: { tags, summary: 'Get all webhook filters', response: { 200: FilterListAnswer } } }, async (request) => {
    const { tenantId } = await timebackAccess.caller(service, request);
    return { filters: (await listFilters(service, tenantId)).map(show) };
  });

  app.get('/webhook/:webhookId', { config: { platformAccess: READ }, schema: { tags, summary: "Get a webhook's filters", params: WebhookIdParams, response: { 200: FilterListAnswer } } }, async (request) => {
    const { tenantId } = await timebackAccess.caller(service, request);
    return { filters: (await listFilters(service, tenantId, request.params.webhookId)).map(show) };
  });

  app.get('/:id', { config: { platformAccess: READ }, schema: { tags, summary: 'Get a webhook filter', params: IdParams, response: { 200: FilterAnswer } } }, async (request) => {
    const { tenantId } = await timebackAccess.caller(service, request);
    const { webhook, filter } = await requireFilter(service, tenantId, request.params.id);
    return { filter: presentFilter(webhook.subscription.id, filter) };
  });

  app.put('/:id', { config: { platformAccess: WRITE }, schema: { tags, summary: 'Update a webhook filter', params: IdParams, body: FilterBody, response: { 200: FilterAnswer } } }, async (request) => {
    const { tenantId } = await timebackAccess.caller(service, request);
    return { filter: show(await replaceFilter(service, tenantId, request.params.id, filterInput(request.body))) };
  });

  app.delete('/:id', { config: { platformAccess: WRITE }, schema: { tags, summary: 'Delete a webhook filter (soft delete)', params: IdParams, response: { 200: StatusAnswer } } }, async (request) => {
    const { tenantId } = await timebackAccess.caller(service, request);
    await softDeleteFilter(service, tenantId, request.params.id);
    return SUCCESS;
  });
};

function filterInput(body: FilterBody): FilterInput {
  const filterOperation = body.filterOperation ?? body.filterOperator;
  if (filterOperation === undefined) {
    const issue = { code: 'invalid_type', expected: 'string', received: 'undefined', path: ['filterOperation'], message: 'Required' };
    const missing: IssueDetail = { pointer: '/filterOperation', message: 'Required', issue };
    throw new HookpostError('validation_failed', 'The webhook filter is not valid.', [missing]);
  }
  const { webhookId, filterKey, filterValue, filterType, active } = body;
  return { webhookId, filterKey, filterValue, filterType, filterOperation, active };
}
