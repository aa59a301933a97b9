import { HookpostError } from '../../../core/errors.js';
import { requireTask } from '../../../service/tasks.js';
import { callerOf } from '../shared/credentials.js';
import type { RoutePlugin } from '../../v1/context.js';
import { BackgroundTaskOut } from './answers.js';
import { coreId, presentRecoverTask } from './presenters.js';
import { TaskParams } from './schemas.js';

const READS_DELIVERIES = { scope: 'deliveries:read' } as const;

/** `/api/v1/background-task/{task}`: the progress of a background task (today: an endpoint's recovery). */
export const backgroundTaskRoutes: RoutePlugin = async (app, { service }) => {
  app.get('/api/v1/background-task/:task', { config: READS_DELIVERIES, schema: { params: TaskParams, response: { 200: BackgroundTaskOut } } }, async (request) => {
    const { tenantId } = await callerOf(service, request);
    const id = coreId('task', request.params.task);
    if (id === undefined) throw new HookpostError('not_found', `No background task ${request.params.task}.`);
    const task = await requireTask(service, tenantId, id);
    return { ...presentRecoverTask(task), data: task.progress };
  });
};
