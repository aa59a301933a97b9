// The doors' delivery formats, apart from their routes: the delivery engine (its own thread, or a
// worker process) loads these few leaf modules and none of the doors' routes, schemas or documents.
import type { DeliveryFormat } from '../../core/envelope.js';
import { localEventType } from '../../core/event-namespaces.js';
import { fourthwallFormat } from './fourthwall/envelope.js';
import { kajabiFormat } from './kajabi/format.js';
import { schoolmakerFormat } from './schoolmaker/format.js';
import { svixFormat } from './svix/format.js';
import { thinkificFormat } from './thinkific/format.js';
import { timebackFormat } from './timeback/envelope.js';

/**
 * Every door's delivery formats, served or not: a door switched off keeps delivering what its
 * webhooks were already owed (and a worker may be configured apart from the API processes).
 * A new door adds its format here as well as its entry in index.ts.
 */
export function compatFormats(): DeliveryFormat[] {
  return [schoolmakerFormat, kajabiFormat, thinkificFormat, timebackFormat, fourthwallFormat, svixFormat].map(withPlatformEventNames);
}

/**
 * The format with the event type spelled as its platform spells it: events of the platform's
 * namespace are stored as `<platform>:<name>`, and its receivers see `<name>`.
 */
function withPlatformEventNames(format: DeliveryFormat): DeliveryFormat {
  return {
    ...format,
    render: (input) => format.render({ ...input, event: { ...input.event, type: localEventType(format.name, input.event.type) } }),
  };
}
