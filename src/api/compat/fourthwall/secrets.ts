// Fourthwall signs with one secret per shop (a UUID shown in the shop's webhook settings), keyed
// as UTF-8 text. A subscription key is `whsec_` + base64 of key bytes, so the shop secret's UTF-8
// bytes are the key of each of the shop's Fourthwall subscriptions: signing with the key is
// signing with the secret, and the Standard Webhooks headers use the same key.

/** The subscription key whose bytes are this shop secret. */
export function keyOfShopSecret(shopSecret: string): string {
  return `whsec_${Buffer.from(shopSecret, 'utf8').toString('base64')}`;
}

/** The shop secret a subscription key stands for. */
export function shopSecretOfKey(key: string): string {
  return Buffer.from(key.slice('whsec_'.length), 'base64').toString('utf8');
}
