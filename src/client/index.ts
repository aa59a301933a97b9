// `hookpost/client`: a typed client of Hookpost's native API.
export { HookpostClient, type BatchResult, type IterateOptions, type PageOptions, type SubscriptionHealth, type TenantUsage } from './client.js';
export { HookpostApiError, HookpostConnectionError, isApiError } from './errors.js';
export { CLIENT_ROUTES } from './routes.js';
export type { ClientOptions } from './transport.js';
export type * from './types.js';
export type { ErrorCode } from '../core/errors.js';
