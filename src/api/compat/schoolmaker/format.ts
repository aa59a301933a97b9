import { iso, jsonFormat } from '../shared/formats.js';

/** Name of SchoolMaker's door and of its delivery format. */
export const SCHOOLMAKER = 'schoolmaker';

/**
 * SchoolMaker's deliveries: its docs show a flat JSON object of event data, so the body is the
 * event's data with `event_type` and `created_at` first. SchoolMaker documents no signature; the
 * Standard Webhooks headers sign every delivery.
 */
export const schoolmakerFormat = jsonFormat({
  name: SCHOOLMAKER,
  body: ({ event }) => {
    const { event_type: _ignored, ...data } = event.data as Record<string, unknown>;
    return { event_type: event.type, created_at: iso(event.createdAt), ...data };
  },
});
