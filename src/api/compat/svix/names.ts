import { localEventType, qualifyEventType } from '../../../core/event-namespaces.js';

/** Name of Svix's door, of its delivery format and of its event-type namespace. */
export const SVIX = 'svix';

/** The core's name of a Svix event type: qualified in Svix's namespace (`svix:invoice.paid`). */
export function qualifyType(name: string): string {
  return qualifyEventType(SVIX, name);
}

/** The name a Svix client sees: Svix's own spelling, without the namespace. */
export function localType(qualified: string): string {
  return localEventType(SVIX, qualified);
}
