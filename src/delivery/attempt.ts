import type { Logger } from 'pino';
import { retryPolicyFor, type RetryPolicy } from '../core/retry.js';
import type { DeliveryFormats } from '../core/envelope.js';
import { newId } from '../core/ids.js';
import type { Attempt, ClaimedDelivery, EpochMs } from '../core/model.js';
import type { SecretBox } from '../core/secret-box.js';
import { noTracing, type Tracing } from '../core/tracing.js';
import { aliasStandardHeaders } from '../core/envelope.js';
import { standardWebhookHeaders } from '../core/signing.js';
import type { DeliveryOutcome } from '../store/store.js';
import { DEFAULT_429_PAUSE_MS, MAX_429_PAUSE_MS } from '../store/subscription-limits.js';
import { decideAfterAttempt, type AttemptVerdict } from './decide.js';
import type { OutboundClient, OutboundResult } from './outbound.js';
import { SigningKeyring } from './signing-keys.js';

const USER_AGENT = 'Hookpost/0.1 (+https://github.com/hookpost)';

/** What one attempt needs: how to render, sign and send, and the retry policy that judges it. */
export interface AttemptDeps {
  outbound: OutboundClient;
  formats: DeliveryFormats;
  secrets: SecretBox;
  retry: RetryPolicy;
  logger: Pick<Logger, 'error'>;
  now: () => EpochMs;
  random: () => number;
  /** Where attempt spans go (OpenTelemetry, when configured); absent: none. */
  tracing?: Tracing | undefined;
}

/** An attempt made: the outbound result, its verdict, and the outcome row to record. */
export interface AttemptMade {
  result: OutboundResult;
  verdict: AttemptVerdict;
  outcome: DeliveryOutcome;
}

/**
 * Makes one attempt of one claimed delivery: renders the body in the subscription's envelope,
 * signs it (Standard Webhooks headers), POSTs it and judges the answer. Never throws: a delivery
 * that cannot even be prepared (a damaged row, a bug) is recorded as a failed attempt.
 */
export class AttemptMaker {
  readonly #deps: AttemptDeps;
  readonly #keyring: SigningKeyring;

  constructor(deps: AttemptDeps) {
    this.#deps = deps;
    this.#keyring = new SigningKeyring(deps.secrets);
  }

  async attempt(claimed: ClaimedDelivery, owner: string): Promise<AttemptMade> {
    const { delivery, event, subscription } = claimed;
    const attemptNumber = delivery.attemptCount + 1;
    // A child of the publish call's span, in whichever process sends it.
    const span = (this.#deps.tracing ?? noTracing).startAttempt(event.traceParent, {
      'hookpost.event_id': event.id,
      'hookpost.event_type': event.type,
      'hookpost.subscription_id': subscription.id,
      'hookpost.delivery_id': delivery.id,
      'hookpost.attempt': attemptNumber,
    });
    let result: OutboundResult;
    try {
      // During a rotation's grace period the old secret signs too (a second v1 entry).
      const { secret, keys } = this.#keyring.keysFor(subscription, this.#deps.now());
      const timestampSeconds = Math.floor(this.#deps.now() / 1000);
      const format = this.#deps.formats.get(subscription.format);
      const rendered = format.render({ event, subscription, secret, deliveryId: delivery.id, timestampSeconds });
      // The bytes when the format keeps them: signed and sent without encoding the text again.
      const body = rendered.bytes ?? rendered.body;
      const signed = standardWebhookHeaders(keys, event.id, timestampSeconds, body);
      const headers = {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        ...subscription.headers,
        ...rendered.headers,
        ...signed,
        ...aliasStandardHeaders(format, signed),
      };
      result = await this.#deps.outbound.send({ url: subscription.url, headers, body });
    } catch (error) {
      this.#deps.logger.error({ err: error, deliveryId: delivery.id }, 'could not prepare a delivery');
      result = {
        startedAt: this.#deps.now(),
        durationMs: 0,
        statusCode: null,
        responseBody: null,
        retryAfterMs: null,
        errorClass: 'network',
        errorMessage: 'could not prepare the request',
      };
    }
    const policy = retryPolicyFor(this.#deps.retry, subscription.retryPolicy);
    const verdict = decideAfterAttempt(result, attemptNumber, policy, this.#deps.now(), this.#deps.random);
    if (result.statusCode !== null) span.setAttributes({ 'http.response.status_code': result.statusCode });
    span.setAttributes({ 'hookpost.delivery_status': verdict.status });
    span.end(verdict.status === 'succeeded' ? undefined : (result.errorMessage ?? `the endpoint answered ${result.statusCode}`));
    return { result, verdict, outcome: outcomeOf(claimed, owner, attemptNumber, result, verdict) };
  }
}

/** The row an attempt leaves: the attempt itself and where its delivery goes next. */
export function outcomeOf(
  claimed: ClaimedDelivery,
  owner: string,
  attemptNumber: number,
  result: OutboundResult,
  verdict: AttemptVerdict,
): DeliveryOutcome {
  const { delivery, subscription } = claimed;
  const attempt: Attempt = {
    id: newId('attempt'),
    deliveryId: delivery.id,
    number: attemptNumber,
    startedAt: result.startedAt,
    durationMs: Math.round(result.durationMs),
    statusCode: result.statusCode,
    responseBody: result.responseBody,
    errorClass: result.errorClass,
    errorMessage: result.errorMessage,
    succeeded: verdict.status === 'succeeded',
  };
  return {
    deliveryId: delivery.id,
    owner,
    tenantId: delivery.tenantId,
    subscriptionId: subscription.id,
    eventId: claimed.event.id,
    eventType: claimed.event.type,
    attempt,
    status: verdict.status,
    nextAttemptAt: verdict.status === 'pending' ? verdict.nextAttemptAt : null,
    disableSubscription:
      verdict.status === 'failed' && verdict.disableSubscription
        ? { id: subscription.id, reason: 'The endpoint answered 410 Gone.' }
        : null,
    slowDown:
      result.statusCode === 429 && subscription.rateLimitPerSecond
        ? { subscriptionId: subscription.id, until: result.startedAt + result.durationMs + Math.min(result.retryAfterMs ?? DEFAULT_429_PAUSE_MS, MAX_429_PAUSE_MS) }
        : null,
  };
}
