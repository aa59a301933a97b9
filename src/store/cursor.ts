import { HookpostError } from '../core/errors.js';

/** An opaque cursor for the sort key of the last row of a page. */
export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

/** The sort key inside a cursor; a cursor that was not ours is a 400. */
export function decodeCursor(cursor: string | null): string | null {
  if (cursor === null) return null;
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (key.length === 0 || key.length > 512 || encodeCursor(key) !== cursor) {
    throw new HookpostError('bad_request', 'The cursor is not one this API gave out.', [{ pointer: '/cursor', message: 'unknown cursor' }]);
  }
  return key;
}

/** Cuts a fetched `limit + 1` rows into a page and the cursor after it. */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => string): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

/** The cursor key of a row in a newest-first list ordered by (created_at, id). */
export function timeKey(createdAt: number, id: string): string {
  return `${createdAt}:${id}`;
}

/** The (created_at, id) inside a `timeKey` cursor, or null for the first page. */
export function decodeTimeCursor(cursor: string | null): [number, string] | null {
  const key = decodeCursor(cursor);
  if (key === null) return null;
  const colon = key.indexOf(':');
  const time = Number(key.slice(0, colon));
  if (colon < 0 || !Number.isSafeInteger(time)) throw new HookpostError('bad_request', 'The cursor is not one this API gave out.');
  return [time, key.slice(colon + 1)];
}
