import type { HookEvent } from './model.js';

// An event's data as the store read it, as JSON text (SQLite keeps `JSON.stringify(data)`): the
// delivery engine needs the data only to render a body, and the native body can embed the text as
// it is. Parsing 1 KiB of data and stringifying it again cost about 5 µs per delivery of the
// delivery thread (docs/performance.md); with the text kept, neither happens unless a format reads
// `data` (a compat envelope), which then parses it once. Every SQLite write of an event stores
// `JSON.stringify(data)`; a text written otherwise would still embed as valid JSON of the same value
// (and the signature is over the body as sent).

// The text sits on the event itself, under a symbol and not enumerable: a spread or JSON of the
// event leaves it out (a copy's `data` is the parsed value, not tied to the text). One accessor
// shared by every event, reading the text through `this`: a WeakMap of texts and a getter and
// setter made per event cost about 2 µs of each event the delivery thread read (docs/performance.md,
// "14th session").
const STORED_TEXT = Symbol('stored data text');

type WithText = HookEvent & { [STORED_TEXT]?: string | undefined };

/** Makes `data` a plain value from now on, forgetting the text. */
function settle(event: WithText, data: unknown): unknown {
  Object.defineProperty(event, 'data', { value: data, enumerable: true, configurable: true, writable: true });
  event[STORED_TEXT] = undefined;
  return data;
}

const LAZY_DATA: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: WithText) {
    return settle(this, JSON.parse(this[STORED_TEXT]!));
  },
  set(this: WithText, data: unknown) {
    settle(this, data);
  },
};

/**
 * The event with `data` parsed from `text` only when first read. `text` must be what
 * `JSON.stringify(data)` gives (as the store wrote it): `storedDataText` hands it out in its place.
 */
export function withDataText<E extends HookEvent>(event: E, text: string): E {
  Object.defineProperty(event, STORED_TEXT, { value: text, writable: true, enumerable: false, configurable: true });
  Object.defineProperty(event, 'data', LAZY_DATA);
  return event;
}

/** The text `event.data` will be parsed from (what `JSON.stringify(event.data)` gives), while it has not been read or set. */
export function storedDataText(event: HookEvent): string | undefined {
  return Object.hasOwn(event, STORED_TEXT) ? (event as WithText)[STORED_TEXT] : undefined;
}
