// `hookpost/verify`: signature checks for the receivers of Hookpost's webhooks.
export { WebhookVerificationError, type IncomingHeaders } from './headers.js';
export { verifyStandardWebhook, type StandardVerifyOptions, type VerifiedWebhook } from './standard.js';
export {
  SIGNED_PLATFORMS,
  verifyFourthwallWebhook,
  verifyPlatformWebhook,
  verifyThinkificWebhook,
  verifyTimebackWebhook,
  type SignedPlatform,
} from './platforms.js';
