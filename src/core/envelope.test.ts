import { afterEach, describe, expect, it, vi } from 'vitest';
import { nativeFormat } from './envelope.js';
import { storedDataText, withDataText } from './event-data.js';
import type { HookEvent, Subscription } from './model.js';

const event: HookEvent = { tenantId: 't', id: 'evt_1', type: 'order.created', data: { n: 1 }, resourceId: null, createdAt: 0, deliverAt: null };
const input = (subscriptionId: string) => ({ event, subscription: { id: subscriptionId } as Subscription, secret: 's', deliveryId: `dlv_${subscriptionId}`, timestampSeconds: 1 });

afterEach(() => vi.restoreAllMocks());

describe('the native format', () => {
  it('renders { type, timestamp, data }', () => {
    expect(JSON.parse(nativeFormat.render(input('a')).body)).toEqual({ type: 'order.created', timestamp: '1970-01-01T00:00:00.000Z', data: { n: 1 } });
  });

  it("renders an event's body once for all the subscriptions it goes to", () => {
    const other: HookEvent = { ...event, id: 'evt_2' };
    const stringify = vi.spyOn(JSON, 'stringify');
    const first = nativeFormat.render({ ...input('b'), event: other }).body;
    expect(nativeFormat.render({ ...input('c'), event: other }).body).toBe(first);
    expect(stringify).toHaveBeenCalledTimes(1);
  });
});

describe('the native format\'s body bytes', () => {
  it('are the UTF-8 bytes of its body, encoded once per event', () => {
    const accented: HookEvent = { ...event, id: 'evt_bytes', data: { note: 'café ✓ 🎉' } };
    const first = nativeFormat.render({ ...input('g'), event: accented });
    expect(first.bytes?.equals(Buffer.from(first.body, 'utf8'))).toBe(true);
    expect(nativeFormat.render({ ...input('h'), event: accented }).bytes).toBe(first.bytes);
  });
});

describe('the native format, for an event read with its data as text (core/event-data.ts)', () => {
  const data = { sent_at: 1764700000000.25, order_id: 'o_1', note: 'x'.repeat(40), nested: { list: [1, 'two', null, true], quote: '"\\u2028' } };
  const stored = (id: string): HookEvent => withDataText({ ...event, id, createdAt: 1764700000123, data: null }, JSON.stringify(data));

  it('renders the same bytes as stringifying the parsed data, without parsing it', () => {
    const parse = vi.spyOn(JSON, 'parse');
    const body = nativeFormat.render({ ...input('d'), event: stored('evt_3') }).body;
    expect(parse).not.toHaveBeenCalled();
    expect(body).toBe(JSON.stringify({ type: 'order.created', timestamp: '2025-12-02T18:26:40.123Z', data }));
  });

  it('parses the data once when something reads it, and forgets the text once it is set', () => {
    const read = stored('evt_4');
    expect(storedDataText(read)).toBe(JSON.stringify(data));
    expect(read.data).toEqual(data);
    expect(read.data).toBe(read.data);
    expect(storedDataText(read)).toBeUndefined();
    const set = stored('evt_5');
    set.data = { n: 2 };
    expect(storedDataText(set)).toBeUndefined();
    expect(JSON.parse(nativeFormat.render({ ...input('e'), event: set }).body).data).toEqual({ n: 2 });
  });

  it('leaves the text out of a copy and of JSON: a copy holds the parsed data, and its body renders from that', () => {
    const original = stored('evt_6');
    const copy: HookEvent = { ...original, id: 'evt_7' };
    expect(storedDataText(copy)).toBeUndefined();
    expect(copy.data).toEqual(data);
    expect(Object.keys(original)).toEqual(['tenantId', 'id', 'type', 'data', 'resourceId', 'createdAt', 'deliverAt']);
    expect(JSON.parse(JSON.stringify(stored('evt_8')))).toEqual({ ...event, id: 'evt_8', createdAt: 1764700000123, data });
    copy.data = { n: 3 };
    expect(JSON.parse(nativeFormat.render({ ...input('f'), event: copy }).body).data).toEqual({ n: 3 });
  });
});
