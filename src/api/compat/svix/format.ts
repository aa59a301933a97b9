import { jsonFormat } from '../shared/formats.js';
import { SVIX } from './names.js';

/**
 * Svix's deliveries: the message payload as the body, signed with the Standard Webhooks headers
 * and the same values again as `svix-id`, `svix-timestamp` and `svix-signature` (what Svix's
 * own receivers and its SDK's Webhook class read).
 */
export const svixFormat = { ...jsonFormat({ name: SVIX, body: ({ event }) => event.data }), standardHeaderAlias: 'svix' };
