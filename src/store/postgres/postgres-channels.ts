// The LISTEN/NOTIFY channels, apart from the listener: the outbox write names DUE_CHANNEL without
// loading pg, so opening a SQLite store (store/index.ts re-exports the outbox) never loads it.

/** The channel on which publishes and requeues announce, once committed, that deliveries are due (see postgres-notify.ts). */
export const DUE_CHANNEL = 'hookpost_deliveries_due';
/** The channel on which a newly started background task (a recovery) is announced, once committed, to every task runner. */
export const TASKS_CHANNEL = 'hookpost_tasks_due';
/** The channel on which migration 0012's triggers announce a committed change of tenants, keys, event types or subscriptions. */
export const CONFIG_CHANNEL = 'hookpost_config';
/** A channel announcing work: deliveries or background tasks that became due (see postgres-notify.ts). */
export type WorkChannel = typeof DUE_CHANNEL | typeof TASKS_CHANNEL;
