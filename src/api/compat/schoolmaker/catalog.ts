import { boolean, dateTime, integer, object, oneOf, string } from '../shared/json-schema.js';
import type { CatalogEntry } from '../shared/platform.js';

// SchoolMaker's payload page names the events but its examples are not public; these payloads
// follow the API's snake_case style and carry what each event is about (see docs/platforms/schoolmaker.md).

const member = object({ id: string, email: string, first_name: string, last_name: string });
const memberSample = { id: '48213', email: 'jane.doe@example.com', first_name: 'Jane', last_name: 'Doe' };
const program = object({ id: string, name: string });
const programSample = { id: '731', name: 'Watercolour Foundations' };
const offer = object({ id: string, name: string });
const offerSample = { id: '12', name: 'Premium membership' };

/** SchoolMaker's six webhook events, as its create endpoint's enum spells them. */
export const schoolmakerCatalog: CatalogEntry[] = [
  {
    name: 'element_completed',
    description: 'A member completed an element (step, lesson, section) of a course.',
    schema: object({ member, program, element: object({ id: string, name: string, type: string }), completed_at: dateTime }),
    example: {
      member: memberSample,
      program: programSample,
      element: { id: '9054', name: 'Lesson 3: Wet on wet', type: 'step' },
      completed_at: '2025-01-15T10:00:00Z',
    },
  },
  {
    name: 'element_pending',
    description: 'A member submitted an answer that needs to be corrected.',
    schema: object({ member, program, element: object({ id: string, name: string, type: string }), answer: object({ id: string, submitted_at: dateTime }) }),
    example: {
      member: memberSample,
      program: programSample,
      element: { id: '9060', name: 'Assignment: colour wheel', type: 'assignment' },
      answer: { id: '55102', submitted_at: '2025-01-15T10:04:00Z' },
    },
  },
  {
    name: 'member_joining_offer',
    description: 'A new or existing member was given access to an offer (filterable with extra_parameters.offerFilter).',
    schema: object({ member, offer, is_new_member: boolean, joined_at: dateTime }),
    example: { member: memberSample, offer: offerSample, is_new_member: true, joined_at: '2025-01-15T09:00:00Z' },
  },
  {
    name: 'new_payment',
    description: 'A member made a payment on a one-time price, an installment plan or a subscription.',
    schema: object({
      member,
      offer,
      payment: object({ id: string, amount: integer, currency: string, price_type: oneOf('one_time', 'installments', 'subscription'), paid_at: dateTime }),
    }),
    example: {
      member: memberSample,
      offer: offerSample,
      payment: { id: '88017', amount: 4900, currency: 'EUR', price_type: 'one_time', paid_at: '2025-01-15T09:00:00Z' },
    },
  },
  {
    name: 'member_inactivity',
    description: 'A member has been inactive; sent at the same time as SchoolMaker\'s inactivity notification.',
    schema: object({ member, last_activity_at: dateTime, inactive_days: integer }),
    example: { member: memberSample, last_activity_at: '2024-12-16T08:00:00Z', inactive_days: 30 },
  },
  {
    name: 'gamification_level_passed',
    description: 'A member reached a new level of the community gamification (filterable with extra_parameters.activeLevels).',
    schema: object({ member, level: object({ number: integer, name: string }), points: integer }),
    example: { member: memberSample, level: { number: 3, name: 'Explorer' }, points: 1200 },
  },
];

/** The event names, in the order of the create endpoint's enum. */
export const SCHOOLMAKER_EVENTS = schoolmakerCatalog.map((entry) => entry.name);
