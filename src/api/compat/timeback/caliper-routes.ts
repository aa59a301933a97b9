import { ingestCaliperEnvelope } from '../../../service/caliper.js';
import type { RoutePlugin } from '../../v1/context.js';
import { timebackAccess } from './access.js';
import { CaliperAnswer, CaliperEnvelopeBody, StatusAnswer } from './schemas.js';

const tags = ['compat: timeback'];
const EVENTS = 'events' as const;
const TIMEBACK = 'timeback';

/**
 * `/caliper/event`: takes an IMS Caliper envelope from a client holding `event.create` and
 * publishes each of its events; `/caliper/event/validate` checks one without publishing.
 */
export const caliperRoutes: RoutePlugin = async (
  app,
  { service, schemas },
) => {
  app.post('/event', { config: { platformAccess: EVENTS }, schema: { tags, summary: 'Send Caliper events', body: CaliperEnvelopeBody, response: { 200: CaliperAnswer } } }, async (request) => {
    const { tenantId } = await timebackAccess.caller(service, request);
    const result = await ingestCaliperEnvelope(service, schemas, tenantId, request.body, { namespace: TIMEBACK });
    const repeats = result.duplicates > 0 ? ` (${result.duplicates} already received)` : '';
    return { status: 'success' as const, message: `${result.eventIds.length} events received${repeats}`, errors: null, eventIds: result.eventIds };
  });

  app.post('/event/validate', { config: { platformAccess: EVENTS }, schema: { tags, summary: 'Validate Caliper events', body: CaliperEnvelopeBody, response: { 200: StatusAnswer } } }, async (request) => {
    const { tenantId } = await timebackAccess.caller(service, request);
    await ingestCaliperEnvelope(service, schemas, tenantId, request.body, { namespace: TIMEBACK, dryRun: true });
    return { status: 'success' as const, message: 'Caliper envelope is valid', errors: null };
  });
};
