import { arrayOf, dateTime, integer, number, object, oneOf, string } from '../shared/json-schema.js';
import type { CatalogEntry } from '../shared/platform.js';

// Fourthwall's webhook event types, spelled as its API's `allowedTypes` enum, each with the
// schema of its `data` and a sample. ORDER_*, GIFT_PURCHASE, SUBSCRIPTION_*, THANK_YOU_SENT and
// GIFT_DRAW_* follow Fourthwall's documented models; the others are smaller, shaped like them.

const SHOP_ID = 'sh_c689d374-22ca-43d3-8d29-9ef0805cc4cb';
const money = object({ value: number, currency: string });
const image = object({ id: string, url: string, width: integer, height: integer }, ['width', 'height']);
const address = object(
  { name: string, address1: string, address2: string, city: string, state: string, country: string, zip: string, phone: string },
  ['address2', 'phone', 'state'],
);
const offerSummary = object({ id: string, name: string, slug: string, description: string, primaryImage: image }, ['description', 'primaryImage']);

const order = object(
  {
    id: string,
    shopId: string,
    friendlyId: string,
    checkoutId: string,
    status: string,
    email: string,
    username: string,
    message: string,
    amounts: object({ subtotal: money, shipping: money, tax: money, donation: money, discount: money, total: money }, ['shipping', 'tax', 'donation', 'discount']),
    billing: object({ address }),
    shipping: object({ address }),
    offers: arrayOf(object({ id: string, name: string, slug: string, variant: object({ id: string, name: string, sku: string, quantity: integer }, ['sku']) }, ['slug'])),
    source: object({ type: string }),
    createdAt: dateTime,
    updatedAt: dateTime,
  },
  ['checkoutId', 'username', 'message', 'billing', 'shipping', 'source'],
);
const orderSample = (status: string) => ({
  id: '00aa4abd-5778-4199-8161-0b49b2f212e5',
  shopId: SHOP_ID,
  friendlyId: 'D3XZFWPP',
  checkoutId: 'ch_BV44UYrXQA2T_Xcf1288tw',
  promotionId: 'prm_a1bc23',
  status,
  email: 'supporter@fourthwall.com',
  emailMarketingOptIn: false,
  username: 'Supporter username',
  message: 'Sample message',
  amounts: {
    subtotal: { value: 25, currency: 'USD' },
    shipping: { value: 5.5, currency: 'USD' },
    tax: { value: 2.1, currency: 'USD' },
    donation: { value: 0, currency: 'USD' },
    discount: { value: 2.5, currency: 'USD' },
    total: { value: 30.1, currency: 'USD' },
  },
  billing: { address: { name: 'Joe Doe', address1: 'Main Street 1', city: 'San Francisco', state: 'CA', country: 'US', zip: '12345', phone: '123456789' } },
  shipping: { address: { name: 'Joe Doe', address1: 'Main Street 1', city: 'San Francisco', state: 'CA', country: 'US', zip: '12345' } },
  offers: [
    {
      id: '0e5a0bd8-6a48-4b53-a7f3-3ac8b3d6e6a1',
      name: 'My TShirt',
      slug: 'my-tshirt',
      description: 'Sample description',
      primaryImage: { id: 'img_1', url: 'https://fourthwall.com/image.png', width: 800, height: 600 },
      variant: {
        id: 'b3d6e6a1-0e5a-4b53-a7f3-0bd86a483ac8',
        name: 'My TShirt - Black, L',
        sku: 'WDEK-DRE200L',
        unitPrice: { amount: 25, currency: 'USD' },
        quantity: 1,
        price: { amount: 25, currency: 'USD' },
        attributes: { description: 'Black, L', color: { name: 'Black', swatch: '#000000' }, size: { name: 'L' } },
      },
    },
  ],
  source: { type: 'ORDER' },
  createdAt: '2020-08-13T09:05:36.939Z',
  updatedAt: '2020-08-13T09:05:36.939Z',
});

const supporter = object({
  id: string,
  email: string,
  nickname: string,
  createdAt: dateTime,
  subscription: object({ type: string, variant: object({ id: string, tierId: string, interval: oneOf('MONTHLY', 'ANNUAL'), amount: money }) }),
});
const supporterSample = (type: string, interval: string) => ({
  id: 'msu_4cKQhXNlQ0WjKLDcj1tP1A',
  email: 'supporter@fourthwall.com',
  nickname: 'Johnny123',
  createdAt: '2020-08-13T09:05:36.939Z',
  subscription: {
    type,
    variant: { id: 'mtv_YfN2Bk8uS1KQm1n0Pz9cLw', tierId: 'mt_3Wf1tPl3S9uH5u8i0nC6Qg', interval, amount: { value: 10, currency: 'USD' }, offerId: 'of_oR3xMeO8Qm2kT6bW9vA1Zw' },
  },
});

const giftDraw = object({ id: string, type: string, giveawayId: string, shopId: string, offer: offerSummary, gifts: arrayOf(object({ id: string, status: string })), createdAt: dateTime, durationSeconds: integer });
const giftDrawSample = (status: string, winner: boolean) => ({
  id: 'gdr_EdJvIXu3SEiXe_QkPavHSA',
  type: 'INITIAL',
  giveawayId: 'giv_EdJvIXu3SEiXe_QkPavHSA',
  giveawayFriendlyId: 'D3XZFWPP',
  shopId: SHOP_ID,
  offer: { id: 'of_oR3xMeO8Qm2kT6bW9vA1Zw', name: 'My t-shirt', slug: 'my-t-shirt', description: 'My t-shirt description' },
  amounts: { subtotal: { value: 10, currency: 'USD' }, total: { value: 10, currency: 'USD' } },
  email: 'supporter@fourthwall.com',
  username: 'Johnny123',
  message: 'Sample message',
  gifts: [
    winner
      ? { id: 'gft_EdJvIXu3SEiXe_QkPavHSA', status, winner: { email: 'winner@example.com', username: 'Lucky7', selectedAt: '2023-11-07T05:32:56Z', redeemUri: 'https://shop.fourthwall.com/gifts/gft_EdJvIXu3SEiXe_QkPavHSA' } }
      : { id: 'gft_EdJvIXu3SEiXe_QkPavHSA', status },
  ],
  createdAt: '2023-11-07T05:31:56Z',
  durationSeconds: 60,
});

const product = object({ id: string, name: string, slug: string, state: object({ type: string }), variants: arrayOf(object({ id: string, name: string, unitPrice: money })), createdAt: dateTime, updatedAt: dateTime });
const productSample = (name: string) => ({
  id: 'of_oR3xMeO8Qm2kT6bW9vA1Zw',
  name,
  slug: 'my-t-shirt',
  description: 'Soft cotton tee',
  state: { type: 'AVAILABLE' },
  variants: [{ id: 'var_7qKpM2Vt', name: `${name} - Black, L`, sku: 'WDEK-DRE200L', unitPrice: { value: 25, currency: 'USD' }, stock: { type: 'UNLIMITED' } }],
  createdAt: '2024-03-01T10:00:00.000Z',
  updatedAt: '2024-03-02T10:00:00.000Z',
});

const promotion = object({ id: string, code: string, title: string, status: string, discount: object({ type: string }) });
const promotionSample = (status: string) => ({ id: 'prm_a1bc23', code: 'SAVE10', title: 'Save 10%', status, discount: { type: 'PERCENTAGE', percentage: 10 } });
const named = object({ id: integer, name: string });
const series = object({ id: integer, title: string });
const tier = object({ id: string, title: string, variants: arrayOf(object({ interval: oneOf('MONTHLY', 'ANNUAL'), amount: money })) });
const tierSample = { id: 'mt_3Wf1tPl3S9uH5u8i0nC6Qg', title: 'Gold', variants: [{ interval: 'MONTHLY', amount: { value: 5, currency: 'USD' } }] };
const cart = object({ cartId: string, email: string, items: arrayOf(object({ variantId: string, quantity: integer })), checkoutUrl: string });
const cartSample = { cartId: 'crt_Qn8J4y2m', email: 'supporter@fourthwall.com', items: [{ variantId: 'var_7qKpM2Vt', quantity: 1 }], checkoutUrl: 'https://shop.fourthwall.com/checkout/crt_Qn8J4y2m' };

const entry = (name: string, description: string, schema: Record<string, unknown>, example: Record<string, unknown>): CatalogEntry => ({ name, description, schema, example });

/** Every type of Fourthwall's `allowedTypes` enum, with the schema of its `data` and a sample. */
export const fourthwallCatalog: CatalogEntry[] = [
  entry('ORDER_PLACED', 'A supporter placed an order.', order, orderSample('CONFIRMED')),
  entry('ORDER_UPDATED', 'An order changed (status, shipping, …).', order, orderSample('SHIPPED')),
  entry(
    'GIFT_PURCHASE',
    'A supporter bought gifts for the community.',
    object({ id: string, friendlyId: string, shopId: string, offer: offerSummary, email: string, quantity: integer, gifts: arrayOf(object({ id: string, status: string })), createdAt: dateTime }),
    {
      id: 'giv_EdJvIXu3SEiXe_QkPavHSA',
      friendlyId: 'D3XZFWPP',
      shopId: SHOP_ID,
      offer: { id: 'of_oR3xMeO8Qm2kT6bW9vA1Zw', name: 'My t-shirt', slug: 'my-t-shirt', description: 'My t-shirt description' },
      amounts: { subtotal: { value: 10, currency: 'USD' }, total: { value: 10, currency: 'USD' } },
      email: 'supporter@fourthwall.com',
      quantity: 1,
      gifts: [{ id: 'gft_EdJvIXu3SEiXe_QkPavHSA', orderId: '00aa4abd-5778-4199-8161-0b49b2f212e5', orderFriendlyId: 'D3XZFWPP', status: 'REDEEMED' }],
      createdAt: '2023-11-07T05:31:56Z',
      username: 'Johnny123',
      message: 'Sample message',
    },
  ),
  entry('PRODUCT_CREATED', 'A product was created.', product, productSample('My t-shirt')),
  entry('PRODUCT_UPDATED', 'A product changed.', product, productSample('My t-shirt (2024)')),
  entry(
    'DONATION',
    'A supporter donated.',
    object({ id: string, shopId: string, status: string, email: string, username: string, message: string, amounts: object({ total: money }), createdAt: dateTime }, ['username', 'message']),
    { id: 'don_Kpcjx4HIQ1e4bTIOjX9CsA', shopId: SHOP_ID, status: 'COMPLETED', email: 'supporter@fourthwall.com', username: 'Johnny123', message: 'Keep it up!', amounts: { total: { value: 5, currency: 'USD' } }, createdAt: '2024-03-01T10:00:00.000Z', updatedAt: '2024-03-01T10:00:00.000Z' },
  ),
  entry('SUBSCRIPTION_PURCHASED', 'A supporter joined a membership tier.', supporter, supporterSample('ACTIVE', 'ANNUAL')),
  entry('SUBSCRIPTION_EXPIRED', "A supporter's membership ended.", supporter, supporterSample('SUSPENDED', 'MONTHLY')),
  entry('SUBSCRIPTION_CHANGED', 'A supporter changed membership tier or interval.', supporter, supporterSample('ACTIVE', 'MONTHLY')),
  entry('NEWSLETTER_SUBSCRIBED', 'Someone subscribed to the newsletter.', object({ email: string }), { email: 'supporter@fourthwall.com' }),
  entry(
    'THANK_YOU_SENT',
    'The creator sent a thank-you video.',
    object({ id: string, mediaUrl: string, contribution: object({ id: string, shopId: string, type: string }) }),
    {
      id: 'ty_EdJvIXu3SEiXe_QkPavHSA',
      mediaUrl: 'https://fourthwall.com/thankyou/ty_EdJvIXu3SEiXe_QkPavHSA',
      contribution: { id: 'don_Kpcjx4HIQ1e4bTIOjX9CsA', shopId: SHOP_ID, supporter: { email: 'supporter@fourthwall.com', username: 'Johnny123', message: 'Sample message' }, type: 'DONATION' },
    },
  ),
  entry('GIFT_DRAW_STARTED', 'A giveaway draw started.', giftDraw, giftDrawSample('AVAILABLE', false)),
  entry('GIFT_DRAW_ENDED', 'A giveaway draw ended with winners.', giftDraw, giftDrawSample('REDEEMED', true)),
  entry('PROMOTION_CREATED', 'A promotion was created.', promotion, promotionSample('LIVE')),
  entry('PROMOTION_UPDATED', 'A promotion changed.', promotion, promotionSample('LIVE')),
  entry('PROMOTION_STATUS_CHANGED', "A promotion's status changed.", promotion, promotionSample('ENDED')),
  entry('PLATFORM_APP_DISCONNECTED', 'A platform app was disconnected from the shop.', object({ appId: string, shopId: string }), { appId: 'app_9xL2mQ', shopId: SHOP_ID }),
  entry(
    'MEMBERSHIP_POST_UPSERTED',
    'A membership post was published or edited.',
    object({ id: integer, title: string, type: string, tierIds: arrayOf(string), createdAt: dateTime }),
    { id: 1042, title: 'New video', type: 'VIDEO', tierIds: ['mt_3Wf1tPl3S9uH5u8i0nC6Qg'], createdAt: '2024-03-01T10:00:00.000Z' },
  ),
  entry('MEMBERSHIP_SERIES_UPSERTED', 'A membership series was created or edited.', series, { id: 7, title: 'Behind the scenes' }),
  entry('MEMBERSHIP_SERIES_DELETED', 'A membership series was deleted.', series, { id: 7, title: 'Behind the scenes' }),
  entry('MEMBERSHIP_TAG_CREATED', 'A membership tag was created.', named, { id: 3, name: 'Tutorials' }),
  entry('MEMBERSHIP_TAG_UPDATED', 'A membership tag was renamed.', named, { id: 3, name: 'How-tos' }),
  entry('MEMBERSHIP_TAG_DELETED', 'A membership tag was deleted.', named, { id: 3, name: 'How-tos' }),
  entry('MEMBERSHIP_TIER_UPSERTED', 'A membership tier was created or edited.', tier, tierSample),
  entry('MEMBERSHIP_TIER_DELETED', 'A membership tier was deleted.', tier, tierSample),
  entry(
    'COLLECTION_UPDATED',
    'A collection of products changed.',
    object({ id: string, name: string, slug: string, state: object({ type: string }) }),
    { id: 'col_5Tz2Yw', name: 'Summer', slug: 'summer', state: { type: 'PUBLIC' } },
  ),
  entry('CART_ABANDONED_1H', 'A cart was left for an hour.', cart, cartSample),
  entry('CART_ABANDONED_24H', 'A cart was left for a day.', cart, cartSample),
  entry('CART_ABANDONED_72H', 'A cart was left for three days.', cart, cartSample),
];

/** The names of the catalog, in the order of the API's enum. */
export const FOURTHWALL_EVENT_TYPES: string[] = fourthwallCatalog.map((item) => item.name);

