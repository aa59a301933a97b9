import { checkTargetUrl } from '../core/address-policy.js';
import { HookpostError, type ErrorDetail } from '../core/errors.js';
import { parseFilter, type Filter } from '../core/filter.js';
import { checkCustomHeaders } from '../core/headers.js';
import { newId } from '../core/ids.js';
import type { PageRequest, SigningScheme, Subscription } from '../core/model.js';
import { ed25519PrivateKey, ed25519PublicKey, generateEd25519Secret, isEd25519Secret } from '../core/ed25519-keys.js';
import { generateSecret, secretKey } from '../core/signing.js';
import type { SubscriptionChanges, SubscriptionQuery } from '../store/store.js';
import { hashToken } from './api-keys.js';
import type { ServiceDeps } from './deps.js';
import { findEventType } from './event-catalog.js';

/**
 * The platformData mark of a subscription whose secret is the API key that created it (Thinkific
 * signs deliveries with that key). Such a secret is a credential: it is never shown or replaced
 * through the native API, or any tenant key allowed to read secrets would obtain another key.
 */
export const SECRET_IS_CREDENTIAL = 'secret_is_credential';

/** What a door may set on a subscription; absent fields keep their defaults (create) or values (update). */
export interface SubscriptionInput {
  url?: string | undefined;
  eventTypes?: string[] | undefined;
  secret?: string | undefined;
  name?: string | null | undefined;
  description?: string | null | undefined;
  metadata?: Record<string, string> | undefined;
  headers?: Record<string, string> | undefined;
  filter?: Filter | null | undefined;
  active?: boolean | undefined;
  format?: string | undefined;
  platformData?: Record<string, unknown> | undefined;
  /** Set at creation only: the scheme decides the kind of secret. */
  signing?: SigningScheme | undefined;
}

/** A subscription as doors show it: the sealed secret opened if the caller asked for it, and an Ed25519 subscription's public key. */
export type SubscriptionView = Omit<Subscription, 'sealedSecret' | 'previousSealedSecret'> & { secret?: string; publicKey?: string };

/** Creates a subscription after checking its URL, event types, secret, headers and filter. */
export async function createSubscription(
  deps: ServiceDeps,
  tenantId: string,
  input: SubscriptionInput & { url: string; eventTypes: string[] },
): Promise<SubscriptionView> {
  const signing = input.signing ?? 'hmac';
  await checkInput(deps, input, signing);
  const now = deps.now();
  const secret = input.secret ?? newSecretFor(signing);
  const subscription: Subscription = {
    id: newId('subscription'),
    tenantId,
    url: input.url,
    eventTypes: dedupe(input.eventTypes),
    name: input.name ?? null,
    description: input.description ?? null,
    metadata: input.metadata ?? {},
    headers: input.headers ?? {},
    filter: input.filter ?? null,
    format: input.format ?? 'native',
    platformData: input.platformData ?? {},
    active: input.active ?? true,
    disabledReason: null,
    sealedSecret: deps.secrets.seal(secret),
    previousSealedSecret: null,
    previousSecretExpiresAt: null,
    signing,
    retryPolicy: null,
    createdAt: now,
    updatedAt: now,
  };
  await deps.store.insertSubscription(subscription);
  return view(deps, subscription, true);
}

/** The tenant's subscription, or not_found (also when it belongs to another tenant). */
export async function requireSubscription(deps: ServiceDeps, tenantId: string, id: string): Promise<Subscription> {
  const subscription = await deps.store.getSubscription(tenantId, id);
  if (!subscription) throw new HookpostError('not_found', `No subscription ${id}.`);
  return subscription;
}

/** Shows a subscription, with its secret only when `withSecret`. */
export function view(deps: ServiceDeps, subscription: Subscription, withSecret: boolean): SubscriptionView {
  const { sealedSecret, previousSealedSecret: _previous, ...rest } = subscription;
  const secret = withSecret || subscription.signing === 'ed25519' ? deps.secrets.open(sealedSecret) : undefined;
  return {
    ...rest,
    ...(withSecret ? { secret } : {}),
    ...(secret !== undefined && isEd25519Secret(secret) ? { publicKey: ed25519PublicKey(secret) } : {}),
  };
}

/** A page of the tenant's subscriptions. */
export async function listSubscriptions(deps: ServiceDeps, tenantId: string, query: SubscriptionQuery, page: PageRequest) {
  const result = await deps.store.listSubscriptions(tenantId, query, page);
  return { items: result.items.map((s) => view(deps, s, false)), nextCursor: result.nextCursor };
}

/** Changes a subscription; re-enabling clears the reason it was disabled for. */
export async function updateSubscription(
  deps: ServiceDeps,
  tenantId: string,
  id: string,
  input: SubscriptionInput,
): Promise<SubscriptionView> {
  const current = await requireSubscription(deps, tenantId, id);
  if (input.secret !== undefined) await refuseCredentialSecret(deps, current, deps.secrets.open(current.sealedSecret));
  await checkInput(deps, input, current.signing);
  const { secret, format: _format, signing: _signing, ...rest } = input;
  const changes: SubscriptionChanges = Object.fromEntries(
    Object.entries(rest).filter(([, value]) => value !== undefined),
  ) as SubscriptionChanges;
  if (changes.eventTypes) changes.eventTypes = dedupe(changes.eventTypes);
  if (secret !== undefined) changes.sealedSecret = deps.secrets.seal(secret);
  if (input.active === true) changes.disabledReason = null;
  const updated = await deps.store.updateSubscription(tenantId, id, changes, deps.now());
  if (!updated) throw new HookpostError('not_found', `No subscription ${id}.`);
  return view(deps, updated, false);
}

/** The subscription's signing secret, for its tenant; refused when the secret is a credential. */
export async function readSecret(deps: ServiceDeps, tenantId: string, id: string): Promise<{ subscription: Subscription; secret: string }> {
  const subscription = await requireSubscription(deps, tenantId, id);
  const secret = deps.secrets.open(subscription.sealedSecret);
  await refuseCredentialSecret(deps, subscription, secret);
  return { subscription, secret };
}

/** How long a rotated-out secret keeps signing deliveries when the caller names no grace period: 24 hours. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 86_400;

/**
 * Replaces the signing secret (with a new generated one unless given) and returns it. Until
 * `gracePeriodSeconds` have passed, deliveries carry a signature made with the old secret as well,
 * so receivers can switch at their own pace; 0 drops the old secret at once. Every door rotates
 * through here.
 */
export async function rotateSecret(
  deps: ServiceDeps,
  tenantId: string,
  id: string,
  secret?: string,
  gracePeriodSeconds: number = DEFAULT_ROTATION_GRACE_SECONDS,
): Promise<string> {
  const current = await requireSubscription(deps, tenantId, id);
  await refuseCredentialSecret(deps, current, deps.secrets.open(current.sealedSecret));
  if (!Number.isInteger(gracePeriodSeconds) || gracePeriodSeconds < 0 || gracePeriodSeconds > MAX_ROTATION_GRACE_SECONDS) {
    throw new HookpostError('validation_failed', 'The grace period is a whole number of seconds, at most 30 days.', [
      { pointer: '/grace_period_seconds', message: `must be an integer from 0 to ${MAX_ROTATION_GRACE_SECONDS}` },
    ]);
  }
  const next = secret ?? newSecretFor(current.signing);
  checkSecretFor(current.signing, next);
  const now = deps.now();
  const expiresAt = gracePeriodSeconds > 0 ? now + gracePeriodSeconds * 1000 : null;
  const updated = await deps.store.rotateSubscriptionSecret(tenantId, id, deps.secrets.seal(next), expiresAt, now);
  if (!updated) throw new HookpostError('not_found', `No subscription ${id}.`);
  return next;
}

const MAX_ROTATION_GRACE_SECONDS = 30 * 86_400;

/** Deletes a subscription with its deliveries; not_found if it is not the tenant's. */
export async function deleteSubscription(deps: ServiceDeps, tenantId: string, id: string): Promise<void> {
  if (!(await deps.store.deleteSubscription(tenantId, id))) throw new HookpostError('not_found', `No subscription ${id}.`);
}

// The mark is set when a door makes such a secret; a secret whose key bytes are a stored key's
// token is refused as well, for subscriptions made before the mark existed.
async function refuseCredentialSecret(deps: ServiceDeps, subscription: Subscription, secret: string): Promise<void> {
  let isCredential = subscription.platformData[SECRET_IS_CREDENTIAL] === true;
  if (!isCredential && !isEd25519Secret(secret)) {
    const keyBytes = secretKey(secret).toString('utf8');
    isCredential = (await deps.store.findApiKeyByHash(hashToken(keyBytes))) !== undefined;
  }
  if (isCredential) {
    throw new HookpostError(
      'conflict',
      "This subscription's secret is the API key that created it (its platform signs deliveries with that key), so it is neither shown nor replaced here. Receivers verify with that key.",
      { reason: SECRET_IS_CREDENTIAL },
    );
  }
}

async function checkInput(deps: ServiceDeps, input: SubscriptionInput, signing: SigningScheme): Promise<void> {
  if (input.url !== undefined) {
    const check = checkTargetUrl(input.url, deps.targetPolicy);
    if (!check.ok) {
      const code = check.reason === 'forbidden_address' ? 'forbidden_target' : 'validation_failed';
      throw new HookpostError(code, check.message, [{ pointer: '/url', message: check.message, reason: check.reason }]);
    }
  }
  const problems: ErrorDetail[] = [];
  if (input.secret !== undefined) {
    try {
      checkSecretFor(signing, input.secret);
    } catch (error) {
      problems.push(...((error as HookpostError).details as ErrorDetail[]));
    }
  }
  if (input.headers) problems.push(...checkCustomHeaders(input.headers));
  if (input.filter) {
    try {
      parseFilter(input.filter);
    } catch (error) {
      problems.push(...((error as HookpostError).details as ErrorDetail[]));
    }
  }
  if (problems.length > 0) throw new HookpostError('validation_failed', 'The subscription is not valid.', problems);
  if (input.eventTypes) await checkEventTypes(deps, input.eventTypes);
}

async function checkEventTypes(deps: ServiceDeps, eventTypes: string[]): Promise<void> {
  if (eventTypes.length === 0) {
    throw new HookpostError('validation_failed', 'List at least one event type, or "*".', [
      { pointer: '/event_types', message: 'must not be empty' },
    ]);
  }
  if (eventTypes.includes('*')) {
    if (eventTypes.length > 1) {
      throw new HookpostError('validation_failed', '"*" stands alone.', [{ pointer: '/event_types', message: '"*" cannot be combined with other types' }]);
    }
    return;
  }
  const unknown: ErrorDetail[] = [];
  for (const [index, name] of eventTypes.entries()) {
    if (!(await findEventType(deps, name))) unknown.push({ pointer: `/event_types/${index}`, message: `unknown event type ${name}` });
  }
  if (unknown.length > 0) throw new HookpostError('unknown_event_type', 'Some event types are not in the catalog.', unknown);
}

/** A new secret of the kind the scheme signs with. */
function newSecretFor(signing: SigningScheme): string {
  return signing === 'ed25519' ? generateEd25519Secret() : generateSecret();
}

/** Throws validation_failed unless the secret is of the scheme's kind (whsec_ for hmac, whsk_ for ed25519). */
function checkSecretFor(signing: SigningScheme, secret: string): void {
  if (signing === 'ed25519') ed25519PrivateKey(secret);
  else secretKey(secret);
}

function dedupe(values: string[]): string[] {
  return [...new Set(values)];
}
