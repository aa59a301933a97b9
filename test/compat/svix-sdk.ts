import * as svix1 from 'svix';
import * as svix2 from 'svix2';

// The two lines of the official `svix` package, pinned as dev dependencies (`svix` is 1.x, `svix2`
// an npm alias of 2.x), and the few names in which they differ on the wire.

/** One line of the SDK, with its spelling of the calls that differ between lines. */
export interface SdkLine {
  name: '1.x' | '2.x';
  Svix: new (token: string, options: { serverUrl: string; fetch?: typeof fetch; retryScheduleInMs?: number[] }) => any;
  Webhook: new (secret: string) => { verify(payload: string, headers: Record<string, string>): unknown };
  /** The endpoint field that lists event types (`filterTypes` in 1.x, `eventTypes` in 2.x). */
  typesField: 'filterTypes' | 'eventTypes';
  /** PUT on an application, endpoint or event type (`update` in 1.x, `upsert` in 2.x). */
  put: 'update' | 'upsert';
  /** PUT on an endpoint's headers (`updateHeaders` in 1.x, `setHeaders` in 2.x). */
  putHeaders: 'updateHeaders' | 'setHeaders';
  /** An endpoint's messages per second at most (`rateLimit` in 1.x, `throttleRate` in 2.x). */
  rateField: 'rateLimit' | 'throttleRate';
}

export const SDK_LINES: SdkLine[] = [
  { name: '1.x', Svix: svix1.Svix, Webhook: svix1.Webhook, typesField: 'filterTypes', put: 'update', putHeaders: 'updateHeaders', rateField: 'rateLimit' },
  { name: '2.x', Svix: svix2.Svix, Webhook: svix2.Webhook, typesField: 'eventTypes', put: 'upsert', putHeaders: 'setHeaders', rateField: 'throttleRate' },
];

/** What an SDK call threw: its status and parsed body (the SDK's ApiException). */
export async function failureOf(call: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await call;
  } catch (error) {
    const { code, body } = error as { code?: number; body?: unknown };
    if (typeof code === 'number') return { code, body };
    throw error;
  }
  throw new Error('the call succeeded');
}
