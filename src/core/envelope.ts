import type { HookEvent, Subscription } from './model.js';
import { HookpostError } from './errors.js';
import { storedDataText } from './event-data.js';

/** What a delivery format receives to render one request. */
export interface EnvelopeInput {
  event: HookEvent;
  subscription: Subscription;
  /** The subscription's secret in plaintext, for formats that sign with their own header. */
  secret: string;
  /** The delivery's id, for formats that number each delivery rather than each event. */
  deliveryId: string;
  /** Seconds since the epoch at send time; the same value goes into `webhook-timestamp`. */
  timestampSeconds: number;
}

/** The body and the format's own headers; Standard Webhooks headers are added by the dispatcher. */
export interface RenderedEnvelope {
  body: string;
  /**
   * The body's UTF-8 bytes, when the format keeps them: then they are signed and sent as they are,
   * instead of the text being encoded again for the signature and again by undici for each send.
   */
  bytes?: Buffer;
  headers: Record<string, string>;
}

/** A body envelope and signature scheme: the native one, or a compat platform's. */
export interface DeliveryFormat {
  readonly name: string;
  render(input: EnvelopeInput): RenderedEnvelope;
  /**
   * A prefix under which the Standard Webhooks headers are sent a second time, for platforms
   * whose receivers read their own names (Svix: `svix-id`, `svix-timestamp`, `svix-signature`).
   */
  readonly standardHeaderAlias?: string;
}

/** The Standard Webhooks headers again under the format's alias prefix (none without one). */
export function aliasStandardHeaders(format: DeliveryFormat, standard: Record<string, string>): Record<string, string> {
  const prefix = format.standardHeaderAlias;
  if (prefix === undefined) return {};
  return Object.fromEntries(Object.entries(standard).map(([name, value]) => [name.replace(/^webhook-/, `${prefix}-`), value]));
}

// The native body depends on the event alone, and a fan-out's deliveries read together share one
// event object: rendered once, not once per subscription (a 10,000-subscription fan-out stringified
// its payload 10,000 times, 2 % of the delivery thread). Its bytes are kept with it: encoding a
// 1 KiB body for the signature and again for the request cost about 1.3 µs a send, and 2 KiB of
// garbage (docs/performance.md, "16th session"). Events are never changed once stored.
const nativeBodies = new WeakMap<HookEvent, { body: string; bytes: Buffer }>();

/** The native body `{ type, timestamp, data }`; the event id travels in `webhook-id`. */
export const nativeFormat: DeliveryFormat = {
  name: 'native',
  render({ event }) {
    let rendered = nativeBodies.get(event);
    if (rendered === undefined) {
      const timestamp = new Date(event.createdAt).toISOString();
      const text = storedDataText(event);
      // The same JSON, with the data's text as the store read it in place of stringifying the data.
      const body = text === undefined ? JSON.stringify({ type: event.type, timestamp, data: event.data }) : `{"type":${JSON.stringify(event.type)},"timestamp":"${timestamp}","data":${text}}`;
      rendered = { body, bytes: Buffer.from(body) };
      nativeBodies.set(event, rendered);
    }
    return { body: rendered.body, bytes: rendered.bytes, headers: {} };
  },
};

/** The formats a dispatcher can render, by name. */
export class DeliveryFormats {
  readonly #formats = new Map<string, DeliveryFormat>();

  constructor(formats: DeliveryFormat[] = [nativeFormat]) {
    for (const format of formats) this.add(format);
  }

  /** Registers a format; names are unique. */
  add(format: DeliveryFormat): void {
    if (this.#formats.has(format.name)) throw new Error(`Delivery format ${format.name} is registered twice.`);
    this.#formats.set(format.name, format);
  }

  /** The format of this name; an unknown name is a programming error, not client input. */
  get(name: string): DeliveryFormat {
    const format = this.#formats.get(name);
    if (!format) throw new HookpostError('internal', `No delivery format named ${name}.`);
    return format;
  }

  has(name: string): boolean {
    return this.#formats.has(name);
  }
}
