import { jsonFormat } from '../shared/formats.js';

/** Name of Kajabi's door and of its delivery format. */
export const KAJABI = 'kajabi';

/**
 * Kajabi's deliveries: `{ id, event, payload }`, where `id` is the resource that triggered the
 * event (the event's resource_id, else the event id) and `payload` the array of resources. Kajabi
 * documents no signature; the Standard Webhooks headers sign every delivery.
 */
export const kajabiFormat = jsonFormat({
  name: KAJABI,
  body: ({ event }) => ({
    id: event.resourceId ?? event.id,
    event: event.type,
    payload: (event.data as { payload?: unknown }).payload ?? [],
  }),
});
