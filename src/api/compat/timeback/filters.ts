import { HookpostError } from '../../../core/errors.js';
import type { Filter } from '../../../core/filter.js';

/** The operations a Timeback webhook filter may use, as its API spells them. */
export const FILTER_OPERATIONS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'contains', 'notContains', 'in', 'notIn', 'startsWith', 'endsWith', 'regexp'] as const;
export type FilterOperation = (typeof FILTER_OPERATIONS)[number];

/** How `filterValue` (always a string) is read before comparing. */
export const FILTER_TYPES = ['string', 'number', 'boolean'] as const;
export type FilterType = (typeof FILTER_TYPES)[number];

/** A Timeback webhook filter as stored in its webhook's platform data (times in ms; `deletedAt` marks a soft delete). */
export interface StoredFilter {
  id: string;
  filterKey: string;
  filterValue: string;
  filterType: FilterType;
  filterOperation: FilterOperation;
  active: boolean;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
}

type Literal = string | number | boolean;

/**
 * The core filter condition for one Timeback filter. `filterKey` is a dot path into the Caliper
 * event (`type`, `action`, `actor.id`, `object.subject`, …); `sensor` means the envelope's sensor,
 * which the event carries as its resource id. `in` and `notIn` take comma-separated values.
 */
export function toCoreCondition(filter: Pick<StoredFilter, 'filterKey' | 'filterValue' | 'filterType' | 'filterOperation'>): Filter {
  const path = filter.filterKey === 'sensor' ? 'resource_id' : `data.${filter.filterKey}`;
  const value = castValue(filter.filterValue, filter.filterType);
  const list = () => filter.filterValue.split(',').map((item) => castValue(item.trim(), filter.filterType));
  switch (filter.filterOperation) {
    case 'eq':
      return { [path]: { $eq: value } };
    case 'neq':
      return { [path]: { $ne: value } };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (typeof value === 'boolean') throw invalidValue(`${filter.filterOperation} compares numbers or strings, not booleans`);
      return { [path]: { [`$${filter.filterOperation}`]: value } };
    case 'contains':
      return { [path]: { $contains: value } };
    case 'notContains':
      return { $not: { [path]: { $contains: value } } };
    case 'in':
      return { [path]: { $in: list() } };
    case 'notIn':
      return { [path]: { $nin: list() } };
    case 'startsWith':
      return { [path]: { $startsWith: filter.filterValue } };
    case 'endsWith':
      return { [path]: { $endsWith: filter.filterValue } };
    case 'regexp':
      return { [path]: { $regex: filter.filterValue } };
  }
}

/**
 * The subscription filter of a Timeback webhook: its sensor (when set) and every live filter,
 * all of which must hold. Null when nothing restricts it.
 */
export function compileWebhookFilter(sensor: string | null, filters: StoredFilter[]): Filter | null {
  const conditions: Filter[] = [];
  if (sensor !== null) conditions.push({ resource_id: { $eq: sensor } });
  for (const filter of filters) if (filter.active && filter.deletedAt === null) conditions.push(toCoreCondition(filter));
  return conditions.length === 0 ? null : { $and: conditions };
}

function castValue(text: string, type: FilterType): Literal {
  if (type === 'string') return text;
  if (type === 'boolean') {
    if (text === 'true' || text === 'false') return text === 'true';
    throw invalidValue(`"${text}" is not true or false`);
  }
  const number = Number(text);
  if (text.trim() === '' || !Number.isFinite(number)) throw invalidValue(`"${text}" is not a number`);
  return number;
}

function invalidValue(message: string): HookpostError {
  return new HookpostError('validation_failed', `The filterValue does not fit the filter: ${message}.`, [
    { pointer: '/filterValue', message, reason: 'invalid_filter_value' },
  ]);
}
