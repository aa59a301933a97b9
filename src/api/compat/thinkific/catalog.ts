import { arrayOf, boolean, dateTime, integer, nullable, number, object, oneOf, string } from '../shared/json-schema.js';
import type { CatalogEntry } from '../shared/platform.js';

// Thinkific's topics, `resource.action`. An event's data is the delivery's `payload`: the
// resource after the event. Samples follow Thinkific's published payload samples where they
// exist (order.created, enrollment.*, user.*) and its Admin API's resource shapes otherwise.

const user = object({ email: string, first_name: string, id: integer, last_name: string });
const userSample = { email: 'ninjas@thinkific.com', first_name: 'Robert', id: 123456, last_name: 'Smith' };
const course = object({ id: integer, name: string });
const courseSample = { id: 4, name: 'Introduction to Webhooks' };

const order = object(
  {
    affiliate_referral_code: nullable(string),
    amount_cents: integer,
    amount_dollars: number,
    billing_name: nullable(string),
    coupon: nullable(object({ id: integer, code: string, promotion_id: integer })),
    created_at: dateTime,
    id: integer,
    order_number: integer,
    payment_type: string,
    product_id: integer,
    product_name: string,
    status: string,
    items: arrayOf(object({ product_id: integer, product_name: string, amount_dollars: number, amount_cents: integer })),
    user,
  },
  ['affiliate_referral_code', 'billing_name', 'coupon', 'items'],
);
const orderSample = {
  affiliate_referral_code: null,
  amount_cents: 5000,
  amount_dollars: 50,
  billing_name: 'Robert Smith',
  coupon: { id: 12345678, code: 'discount123', promotion_id: 1234567 },
  created_at: '2018-01-26T22:23:18.400Z',
  id: 19796,
  order_number: 1010,
  payment_type: 'one-time',
  product_id: 1,
  product_name: 'Introduction to Webhooks',
  status: 'Complete',
  items: [{ product_id: 1, product_name: 'Introduction to Webhooks', amount_dollars: 50, amount_cents: 5000 }],
  user: userSample,
};

const enrollment = object(
  {
    activated_at: nullable(dateTime),
    completed_at: nullable(dateTime),
    course,
    course_id: integer,
    created_at: dateTime,
    expiry_date: nullable(dateTime),
    free_trial: boolean,
    id: integer,
    percentage_completed: string,
    started_at: nullable(dateTime),
    updated_at: dateTime,
    user,
  },
  ['activated_at', 'started_at', 'expiry_date'],
);
const enrollmentSample = (percentage: string, extra: Record<string, unknown> = {}) => ({
  activated_at: '2018-01-26T22:16:52.255Z',
  completed_at: null,
  course: courseSample,
  course_id: 4,
  created_at: '2018-01-26T22:16:52.285Z',
  expiry_date: null,
  free_trial: false,
  id: 97472,
  percentage_completed: percentage,
  started_at: '2018-01-26T22:17:01.891Z',
  updated_at: '2018-01-26T22:17:01.924Z',
  user: userSample,
  ...extra,
});

const profile = object(
  {
    id: integer,
    email: string,
    first_name: string,
    last_name: string,
    created_at: dateTime,
    roles: arrayOf(string),
    administered_course_ids: nullable(arrayOf(integer)),
    affiliate_code: nullable(string),
    avatar_url: nullable(string),
    bio: nullable(string),
    company: nullable(string),
    custom_profile_fields: arrayOf({ type: 'object' }),
    external_source: nullable(string),
    headline: nullable(string),
  },
  ['administered_course_ids', 'affiliate_code', 'avatar_url', 'bio', 'company', 'custom_profile_fields', 'external_source', 'headline'],
);
const profileSample = {
  administered_course_ids: null,
  affiliate_code: 'e7c7eb',
  affiliate_commission: '15.00',
  affiliate_commission_type: '%',
  affiliate_payout_email: 'user@thinkific.com',
  avatar_url: null,
  bio: null,
  company: '',
  created_at: '2017-07-23T02:42:13.043Z',
  custom_profile_fields: [],
  email: 'ninjas@thinkific.com',
  external_source: null,
  first_name: 'Robert',
  headline: 'Software Engineer',
  id: 123456,
  last_name: 'Smith',
  roles: ['affiliate'],
};

const transaction = object({ id: integer, order_id: integer, amount_cents: integer, currency: string, status: string, created_at: dateTime, user });
const transactionSample = (status: string) => ({
  id: 51234,
  order_id: 19796,
  amount_cents: 5000,
  currency: 'USD',
  status,
  created_at: '2018-01-26T22:23:18.400Z',
  user: userSample,
});
const subscription = object({ id: integer, order_id: integer, product_id: integer, status: string, updated_at: dateTime, user });
const subscriptionSample = (status: string) => ({
  id: 3021,
  order_id: 19796,
  product_id: 1,
  status,
  updated_at: '2018-02-26T22:23:18.400Z',
  user: userSample,
});
const courseResource = object({ id: integer, name: string, slug: string, product_id: integer }, ['slug', 'product_id']);
const courseResourceSample = { id: 4, name: 'Introduction to Webhooks', slug: 'introduction-to-webhooks', product_id: 1 };
const product = object({ id: integer, name: string, price: string, status: string, productable_type: string, productable_id: integer }, [
  'price',
  'status',
  'productable_type',
  'productable_id',
]);
const productSample = { id: 1, name: 'Introduction to Webhooks', price: '50.0', status: 'published', productable_type: 'Course', productable_id: 4 };

const entry = (name: string, description: string, schema: Record<string, unknown>, example: Record<string, unknown>): CatalogEntry => ({
  name,
  description,
  schema,
  example,
});

/** Every webhook topic Thinkific documents, lower-case as its API spells them. */
export const thinkificCatalog: CatalogEntry[] = [
  entry('order.created', 'An order was successfully completed.', order, orderSample),
  entry(
    'lead.created',
    'A lead was captured (e.g. a free sign-up form).',
    object({ id: integer, email: string, first_name: nullable(string), last_name: nullable(string), created_at: dateTime }, ['first_name', 'last_name']),
    { id: 8812, email: 'lead@example.com', first_name: 'Ada', last_name: 'Lovelace', created_at: '2018-01-26T22:00:00.000Z' },
  ),
  entry('order_transaction.succeeded', 'A payment of an order succeeded.', transaction, transactionSample('succeeded')),
  entry('order_transaction.failed', 'A payment of an order failed.', transaction, transactionSample('failed')),
  entry('order_transaction.refunded', 'A payment of an order was refunded.', transaction, transactionSample('refunded')),
  entry('subscription.cancelled', 'A subscription was cancelled.', subscription, subscriptionSample('cancelled')),
  entry('subscription.past_due', 'A subscription payment is past due.', subscription, subscriptionSample('past_due')),
  entry('subscription.unpaid', 'A subscription is unpaid.', subscription, subscriptionSample('unpaid')),
  entry('user.signup', 'A user signed up.', profile, profileSample),
  entry('user.signin', 'A user signed in.', profile, profileSample),
  entry('user.updated', 'A user was updated.', profile, profileSample),
  entry('enrollment.trial', 'A free-trial enrollment was created.', enrollment, enrollmentSample('0.0', { free_trial: true })),
  entry('enrollment.created', 'A full enrollment was created in a course.', enrollment, enrollmentSample('0.0')),
  entry('enrollment.progress', 'An enrollment progressed.', enrollment, enrollmentSample('24.0')),
  entry('enrollment.completed', 'An enrollment was completed.', enrollment, enrollmentSample('1.0', { completed_at: '2018-02-12T18:03:11.022Z' })),
  entry('course.created', 'A course was created.', courseResource, courseResourceSample),
  entry('course.updated', 'A course was updated.', courseResource, courseResourceSample),
  entry('course.deleted', 'A course was deleted.', courseResource, courseResourceSample),
  entry(
    'lesson.completed',
    'A student completed a lesson.',
    object({ lesson: object({ id: integer, name: string, chapter_id: integer }), course, enrollment_id: integer, user }),
    { lesson: { id: 77, name: 'What is a webhook?', chapter_id: 12 }, course: courseSample, enrollment_id: 97472, user: userSample },
  ),
  entry(
    'quiz.attempted',
    'A student attempted a quiz.',
    object({
      quiz: object({ id: integer, name: string }),
      lesson_id: integer,
      course,
      grade: number,
      correct_count: integer,
      incorrect_count: integer,
      attempts: integer,
      user,
    }),
    { quiz: { id: 5, name: 'Webhooks quiz' }, lesson_id: 78, course: courseSample, grade: 80, correct_count: 8, incorrect_count: 2, attempts: 1, user: userSample },
  ),
  entry('app.uninstalled', 'An app was uninstalled from the site.', object({ app_id: string, subdomain: string }), {
    app_id: 'a1b2c3',
    subdomain: 'ninjas',
  }),
  entry('product.created', 'A product was created.', product, productSample),
  entry('product.updated', 'A product was updated.', product, productSample),
  entry('product.deleted', 'A product was deleted.', product, productSample),
  entry('plan.updated', "The site's Thinkific plan changed.", object({ plan: oneOf('basic', 'start', 'grow', 'expand', 'plus', 'pro', 'premier') }), {
    plan: 'grow',
  }),
];

/** The topic names. */
export const THINKIFIC_TOPICS = thinkificCatalog.map((topic) => topic.name);
