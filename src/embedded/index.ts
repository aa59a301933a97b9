// `hookpost`: Hookpost embedded in a Node application, with the transactional outbox.
export { createHookpost, type EmbeddedEvent, type Hookpost, type HookpostOptions } from './hookpost.js';
export { HookpostError, type ErrorCode } from '../core/errors.js';
export type { OutboxClient } from '../store/index.js';
