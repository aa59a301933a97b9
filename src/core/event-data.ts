import type { HookEvent } from './model.js';

// An event's data as the store read it, as JSON text (SQLite keeps `JSON.stringify(data)`): the
// delivery engine needs the data only to render a body, and the native body can embed the text as
// it is. Parsing 1 KiB of data and stringifying it again cost about 5 µs per delivery of the
// delivery thread (docs/performance.md); with the text kept, neither happens unless a format reads
// `data` (a compat envelope), which then parses it once. Every SQLite write of an event stores
// `JSON.stringify(data)`; a text written otherwise would still embed as valid JSON of the same value
// (and the signature is over the body as sent).
const texts = new WeakMap<HookEvent, string>();

/**
 * The event with `data` parsed from `text` only when first read. `text` must be what
 * `JSON.stringify(data)` gives (as the store wrote it): `dataTextOf` hands it out in its place.
 */
export function withDataText<E extends HookEvent>(event: E, text: string): E {
  const settle = (data: unknown) => {
    texts.delete(event);
    Object.defineProperty(event, 'data', { value: data, enumerable: true, configurable: true, writable: true });
    return data;
  };
  Object.defineProperty(event, 'data', {
    enumerable: true,
    configurable: true,
    get: () => settle(JSON.parse(text)),
    set: settle,
  });
  texts.set(event, text);
  return event;
}

/** The text `event.data` will be parsed from (what `JSON.stringify(event.data)` gives), while it has not been read or set. */
export function storedDataText(event: HookEvent): string | undefined {
  return texts.get(event);
}
