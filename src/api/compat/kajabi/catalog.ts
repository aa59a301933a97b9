import { arrayOf, object, string } from '../shared/json-schema.js';
import type { CatalogEntry } from '../shared/platform.js';

// Kajabi delivers `{ id, event, payload }` where payload is the array of JSON:API resources its
// `GET /v1/hooks/{event}_sample` endpoints show. An event's data is `{ payload: [...] }`: the
// catalog's samples are those endpoints' documented samples.

const site = { data: { id: '2', type: 'sites' } };
const resource = object({ id: string, type: string, attributes: { type: 'object' } }, []);
const payloadOf = (...types: string[]) =>
  object({
    payload: {
      ...arrayOf(resource),
      minItems: 1,
      allOf: types.map((type) => ({ contains: { type: 'object', properties: { type: { const: type } }, required: ['type'] } })),
    },
  });

const contact = {
  id: '0',
  type: 'contacts',
  attributes: {
    name: 'Sample Recipient',
    email: 'sample@example.com',
    address_line_1: '123 Kajabi Ln',
    address_line_2: 'Kajabi Suite 4',
    address_city: 'Kajabiwood',
    address_country: 'United Sites of Kajabi',
    address_state: 'Kajabifornia',
    address_zip: '99999',
    phone_number: '5555555555',
    business_number: null,
    subscribed: false,
    external_user_id: null,
    created_at: '2025-07-31T16:51:04.010Z',
    updated_at: '2025-07-31T16:51:04.010Z',
  },
  links: { customer: '' },
  relationships: { site },
};
const contactTag = { id: '0', type: 'contact_tags', attributes: { name: 'Tag' }, relationships: { site } };
const customer = {
  id: '0',
  type: 'customers',
  attributes: {
    name: 'John Doe',
    email: 'john.doe@example.com',
    avatar: null,
    external_user_id: null,
    public_bio: null,
    public_location: null,
    public_website: null,
    socials: null,
    net_revenue: '0.0',
    sign_in_count: 0,
    last_request_at: null,
    bounced_at: null,
    created_at: '2025-07-31T16:59:27.552Z',
    updated_at: '2025-07-31T16:59:27.552Z',
  },
  links: { contact: 'https://www.kajabi.test/api/v1/contacts/0' },
  relationships: {
    site,
    contact: { data: { id: '0', type: 'contacts' } },
    offers: { data: [], links: { self: 'https://www.kajabi.test/api/v1/customers/0/relationships/offers' } },
    products: { data: [] },
  },
};
const transaction = {
  id: '0',
  type: 'transactions',
  attributes: {
    action: 'charge',
    state: 'succeeded',
    payment_type: 'charge',
    amount_in_cents: 1000,
    sales_tax_in_cents: 0,
    currency: 'USD',
    currency_symbol: '$',
    formatted_amount: '$10.00',
    created_at: '2025-07-31T17:10:19.285Z',
  },
  relationships: { customer: { data: { id: '0', type: 'customers' } }, offer: { data: null } },
};
const money = {
  total_price_in_cents: 1000,
  subtotal_in_cents: 800,
  sales_tax_amount_in_cents: 200,
  discount_amount_in_cents: 0,
  formatted_total_price: '$10.00',
  formatted_subtotal: '$8.00',
  currency_symbol: '$',
};

const purchaseSample = [
  {
    id: '0',
    type: 'purchases',
    attributes: {
      amount_in_cents: 1000,
      payment_type: 'single',
      multipay_payments_made: null,
      opt_in: false,
      raw_extra_contact_information: {},
      currency: 'USD',
      effective_start_at: null,
      cardholder_name: null,
      billing_address_zip: null,
      deactivated_at: null,
      deactivation_reason: null,
      coupon_code: null,
      source: null,
      referrer: null,
      quantity: 1,
      created_at: '2025-07-31T16:59:27.580Z',
      updated_at: '2025-07-31T16:59:27.580Z',
    },
    relationships: { customer: { data: { id: '0', type: 'customers' } }, offer: { data: { id: '0', type: 'offers' } }, products: { data: [] } },
  },
  {
    id: '0',
    type: 'offers',
    attributes: {
      title: 'Kajabi Test Offer',
      description: null,
      internal_title: null,
      currency: 'USD',
      price_in_cents: 1000,
      payment_type: 'single',
      token: 'n8NtoHUZ',
      image_url: null,
      payment_method: 'stripe_and_paypal',
      price_description: '$10.00 USD',
      checkout_url: 'https://www.kajabi.test/offers/n8NtoHUZ',
      recurring_offer: false,
      subscription: false,
      one_time: true,
      single: true,
      free: false,
    },
    relationships: { site, products: { data: [] }, forms: { data: [] } },
  },
  customer,
];

const formSubmissionSample = [
  {
    id: '0',
    type: 'form_submissions',
    attributes: {
      name: 'John Doe',
      email: 'john.doe@example.com',
      address_line_1: null,
      address_line_2: null,
      address_city: null,
      address_country: null,
      address_state: null,
      address_zip: null,
      phone_number: null,
      business_number: null,
      mobile_phone_number: null,
    },
    relationships: { site, form: { data: { id: '0', type: 'forms' } } },
  },
  {
    id: '0',
    type: 'forms',
    attributes: { url: 'https://www.kajabi.test/forms/0', title: 'Sample Form', default: false, webhook_url: null, created_at: null, updated_at: null },
    relationships: { site, fields: { data: [] }, contact_tags: { data: [] } },
  },
];

const orderCreatedSample = [
  transaction,
  customer,
  {
    id: '0',
    type: 'orders',
    attributes: { order_number: 0, currency_code: 'USD', fulfilled_at: null, created_at: '2025-07-31T17:13:05.207Z', ...money },
    relationships: {
      site,
      customer: { data: { id: '0', type: 'customers' } },
      order_items: { data: [{ id: '0', type: 'order_items' }] },
      payment_transactions: { data: [] },
    },
  },
  {
    id: '0',
    type: 'order_items',
    attributes: {
      quantity: 1,
      currency_code: 'USD',
      item_type: 'Offer',
      item_id: 0,
      title: 'Kajabi Test Offer',
      fulfilled_at: null,
      created_at: '2025-07-31T17:13:05.229Z',
      ...money,
    },
    relationships: { order: { data: { id: '0', type: 'orders' } } },
  },
];

/** Kajabi's six hook events, with the API scopes a key needs to create hooks for each. */
export const kajabiEvents = [
  { name: 'purchase', description: 'Customer makes a purchase', scopes: ['view:purchases'], types: ['purchases', 'offers', 'customers'], sample: purchaseSample },
  {
    name: 'payment_succeeded',
    description: 'Payment transaction completes successfully',
    scopes: ['view:transactions'],
    types: ['transactions', 'customers'],
    sample: [transaction, customer],
  },
  {
    name: 'order_created',
    description: 'New order is created',
    scopes: ['view:transactions', 'view:orders'],
    types: ['orders', 'order_items'],
    sample: orderCreatedSample,
  },
  { name: 'form_submission', description: 'Someone submits a form', scopes: ['view:form_submissions'], types: ['form_submissions', 'forms'], sample: formSubmissionSample },
  { name: 'tag_added', description: 'Tag is added to a contact', scopes: ['view:contacts'], types: ['contacts', 'contact_tags'], sample: [contact, contactTag] },
  { name: 'tag_removed', description: 'Tag is removed from a contact', scopes: ['view:contacts'], types: ['contacts', 'contact_tags'], sample: [contact, contactTag] },
] as const;

/** Kajabi's event names, in its create endpoint's enum. */
export const KAJABI_EVENTS: string[] = kajabiEvents.map((event) => event.name);

/** The events as catalog entries: data `{ payload: [resources] }`. */
export const kajabiCatalog: CatalogEntry[] = kajabiEvents.map((event) => ({
  name: event.name,
  description: `${event.description} (Kajabi; needs ${event.scopes.join(' and ')}).`,
  schema: payloadOf(...event.types),
  example: { payload: event.sample },
}));

/** The scopes a key needs for hooks of this event. */
export function scopesFor(event: string): readonly string[] {
  return kajabiEvents.find((candidate) => candidate.name === event)?.scopes ?? [];
}

/** Whether a scope is one of Kajabi's (`view:…`), rather than a Hookpost one. */
export function isKajabiScope(scope: string): boolean {
  return scope.startsWith('view:');
}

/** Every Kajabi scope the hook events name, for keys restricted like Kajabi's custom API keys. */
export const KAJABI_SCOPES = [...new Set(kajabiEvents.flatMap((event) => event.scopes))];
