import { Type, type Static } from '../../../vendor/typebox.js';
import { HookpostError } from '../../../core/errors.js';
import type { Filter } from '../../../core/filter.js';
import type { SubscriptionView } from '../../../service/subscriptions.js';
import { iso } from '../shared/formats.js';
import { platformDataOf } from '../shared/subscriptions.js';
import { SCHOOLMAKER_EVENTS } from './catalog.js';

// The create request exactly as SchoolMaker's OpenAPI block documents it. Its prose calls the
// extra parameters "comma-separated" while its schema says arrays, so both are accepted.
const OfferId = Type.Unsafe<string | number>({ type: ['string', 'integer'], minLength: 1, maxLength: 64 });
const CommaList = Type.String({ maxLength: 2000 });

export const CreateWebhookBody = Type.Object(
  {
    webhook_url: Type.String({ format: 'uri', maxLength: 2048 }),
    event_type: Type.Enum(SCHOOLMAKER_EVENTS),
    provider: Type.Optional(Type.String({ maxLength: 200 })),
    extra_parameters: Type.Optional(
      Type.Object(
        {
          offerFilter: Type.Optional(Type.Union([Type.Array(OfferId, { maxItems: 500 }), CommaList])),
          activeLevels: Type.Optional(Type.Union([Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 500 }), CommaList])),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

/**
 * A webhook as SchoolMaker answers it: every property of its seed's 201 schema, always present.
 * `provider` is a string there (not nullable), so a webhook created without one shows `""`.
 */
export const SchoolMakerWebhook = Type.Object({
  id: Type.String(),
  webhook_url: Type.String(),
  event_type: Type.String(),
  provider: Type.String(),
  extra_parameters: Type.Object({
    offerFilter: Type.Optional(Type.Array(Type.String())),
    activeLevels: Type.Optional(Type.Array(Type.Integer())),
  }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

export const WebhookParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

/** The extra parameters as stored and shown: offer ids as strings, levels as integers. */
export interface ExtraParameters {
  offerFilter?: string[];
  activeLevels?: number[];
}

/** What a SchoolMaker webhook keeps besides URL and event type. */
export interface SchoolMakerData {
  provider: string;
  extra_parameters: ExtraParameters;
}

/** Normalises the extra parameters (comma-separated strings become lists); a level that is not a number is a 422. */
export function parseExtraParameters(input: CreateWebhookBody['extra_parameters']): ExtraParameters {
  const result: ExtraParameters = {};
  if (input?.offerFilter !== undefined) result.offerFilter = splitList(input.offerFilter).map(String);
  if (input?.activeLevels !== undefined) {
    const levels = splitList(input.activeLevels);
    const bad = levels.filter((level) => !/^\d+$/.test(String(level)));
    if (bad.length > 0) {
      throw new HookpostError('validation_failed', 'activeLevels lists level numbers.', [
        { pointer: '/extra_parameters/activeLevels', message: 'must list level numbers' },
      ]);
    }
    result.activeLevels = levels.map(Number);
  }
  return result;
}

/**
 * The core filter for a webhook's extra parameters: offerFilter narrows member_joining_offer to
 * those offers, activeLevels narrows gamification_level_passed to those levels. A parameter of
 * another event, or an empty list, filters nothing.
 */
export function filterFor(eventType: string, extra: ExtraParameters): Filter | null {
  if (eventType === 'member_joining_offer' && extra.offerFilter?.length) return { 'data.offer.id': { $in: extra.offerFilter } };
  if (eventType === 'gamification_level_passed' && extra.activeLevels?.length) return { 'data.level.number': { $in: extra.activeLevels } };
  return null;
}

/** A webhook as SchoolMaker shows it. */
export function presentWebhook(subscription: SubscriptionView): Static<typeof SchoolMakerWebhook> {
  const data = platformDataOf<SchoolMakerData>(subscription);
  return {
    id: subscription.id,
    webhook_url: subscription.url,
    event_type: subscription.eventTypes[0] ?? '',
    provider: data.provider ?? '',
    extra_parameters: data.extra_parameters ?? {},
    created_at: iso(subscription.createdAt),
    updated_at: iso(subscription.updatedAt),
  };
}

function splitList(value: string | (string | number)[]): (string | number)[] {
  if (Array.isArray(value)) return value;
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}
