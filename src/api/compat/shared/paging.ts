/** One page of a list that a platform pages by number: its items and the facts platforms report. */
export interface NumberedPage<T> {
  items: T[];
  page: number;
  size: number;
  totalItems: number;
  totalPages: number;
  hasNext: boolean;
}

/** Cuts page `page` (from 1) of `size` items out of `all`; a page past the end is empty. */
export function numberedPage<T>(all: T[], page: number, size: number): NumberedPage<T> {
  const start = (page - 1) * size;
  const items = all.slice(start, start + size);
  return {
    items,
    page,
    size,
    totalItems: all.length,
    totalPages: Math.ceil(all.length / size),
    hasNext: start + size < all.length,
  };
}
