import { afterEach, describe, expect, it, vi } from 'vitest';
import { nativeFormat } from './envelope.js';
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
