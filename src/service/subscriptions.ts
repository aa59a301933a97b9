import { checkTargetUrl } from '../core/address-policy.js';
import { HookpostError, type ErrorDetail } from '../core/errors.js';
import { parseFilter, type Filter } from '../core/filter.js';
import { checkCustomHeaders } from '../core/headers.js';
import { ID_PREFIX, newId } from '../core/ids.js';
import type { DeliveryOrdering, PageRequest, RetryOverride, SigningScheme, Subscription } from '../core/model.js';
import { RETRY_OVERRIDE_LIMITS } from '../core/retry.js';
import { ed25519PrivateKey, ed25519PublicKey, generateEd25519Secret, isEd25519Secret } from '../core/ed25519-keys.js';
import { generateSecret, secretKey } from '../core/signing.js';
import { uidProblems } from '../core/uids.js';
import { uidTaken } from '../store/uids.js';
import type { SubscriptionChanges, SubscriptionQuery } from '../store/store.js';
import { hashToken } from './api-keys.js';
import type { ServiceDeps } from './deps.js';
import { isKnownEventType } from './tenant-event-types.js';

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
  /** The application it belongs to (set at creation only). */
  applicationId?: string | null | undefined;
  /** The caller's own name for it, unique within its application. */
  uid?: string | null | undefined;
  /** Only events on one of these channels reach it; null or empty: every event. */
  channels?: string[] | null | undefined;
  /** This subscription's own retry schedule and/or attempt count; null returns to the instance's. */
  retryPolicy?: RetryOverride | null | undefined;
  /** Set at creation only: the scheme decides the kind of secret. */
  signing?: SigningScheme | undefined;
  /** Whether deliveries wait for earlier ones; a change applies to deliveries made after it. */
  ordering?: DeliveryOrdering | undefined;
  /** Requests per second at most, across workers; null removes the limit. */
  rateLimitPerSecond?: number | null | undefined;
  /** Deliveries in flight at most, across workers; null removes the limit. */
  maxInFlight?: number | null | undefined;
}

/** A subscription as doors show it: the sealed secret opened if the caller asked for it, and an Ed25519 subscription's public key. */
export type SubscriptionView = Omit<Subscription, 'sealedSecret' | 'previousSealedSecret'> & { secret?: string; publicKey?: string };

/** Creates a subscription after checking its URL, event types, secret, headers and filter. */
export async function createSubscription(
  deps: ServiceDeps,
  tenantId: string,
  input: SubscriptionInput & { url: string; eventTypes: string[] },
  options: { shareSecretWithinFormat?: boolean } = {},
): Promise<SubscriptionView> {
  const signing = input.signing ?? 'hmac';
  await checkInput(deps, tenantId, input, signing, input.applicationId ?? null, null);
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
    retryPolicy: input.retryPolicy ?? null,
    ...(input.ordering && input.ordering !== 'none' ? { ordering: input.ordering } : {}),
    ...(input.rateLimitPerSecond ? { rateLimitPerSecond: input.rateLimitPerSecond } : {}),
    ...(input.maxInFlight ? { maxInFlight: input.maxInFlight } : {}),
    createdAt: now,
    updatedAt: now,
    ...(input.applicationId ? { applicationId: input.applicationId } : {}),
    ...(input.uid ? { uid: input.uid } : {}),
    ...(input.channels && input.channels.length > 0 ? { channels: dedupe(input.channels) } : {}),
  };
  // A platform with one secret per tenant: the store gives the new subscription its siblings' secret, atomically.
  if (options.shareSecretWithinFormat) return view(deps, await deps.store.insertSubscriptionSharingSecret(subscription), true);
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

/**
 * Changes a subscription; re-enabling clears the reason it was disabled for. `platformDataPatch`
 * is merged into the platform data as it is when the row is written, in the same transaction, so
 * a door's bookkeeping (who changed it last) never overwrites a concurrent change.
 */
export async function updateSubscription(
  deps: ServiceDeps,
  tenantId: string,
  id: string,
  input: SubscriptionInput,
  platformDataPatch?: Record<string, unknown>,
): Promise<SubscriptionView> {
  const current = await requireSubscription(deps, tenantId, id);
  if (input.secret !== undefined) await refuseCredentialSecret(deps, current, deps.secrets.open(current.sealedSecret));
  await checkInput(deps, tenantId, input, current.signing, current.applicationId ?? null, current.id);
  const { secret, format: _format, signing: _signing, applicationId: _applicationId, ...rest } = input;
  const changes: SubscriptionChanges = Object.fromEntries(
    Object.entries(rest).filter(([, value]) => value !== undefined),
  ) as SubscriptionChanges;
  if (changes.eventTypes) changes.eventTypes = dedupe(changes.eventTypes);
  if (changes.channels) changes.channels = changes.channels.length > 0 ? dedupe(changes.channels) : null;
  if (secret !== undefined) changes.sealedSecret = deps.secrets.seal(secret);
  if (input.active === true) changes.disabledReason = null;
  const merged = platformDataPatch && ((current: Subscription) => ({ ...changes, platformData: { ...current.platformData, ...platformDataPatch } }));
  const updated = await deps.store.updateSubscription(tenantId, id, merged ?? changes, deps.now());
  if (!updated) throw new HookpostError('not_found', `No subscription ${id}.`);
  return view(deps, updated, false);
}

/** What a read-modify-write may change: a door's platform data and the fields that follow from it. */
export type SubscriptionModification = Pick<SubscriptionChanges, 'platformData' | 'filter' | 'active' | 'url' | 'name' | 'description' | 'rateLimitPerSecond'>;

/**
 * A read-modify-write of a subscription (a door's platform data, and what follows from it) in one
 * store transaction: `change` sees the subscription as it is with its row locked, so concurrent
 * changes never overwrite each other. `change` is pure and synchronous; it may throw a
 * HookpostError to change nothing. A filter it sets is checked as any other.
 */
export async function modifySubscription(
  deps: ServiceDeps,
  tenantId: string,
  id: string,
  change: (current: Subscription) => SubscriptionModification,
): Promise<SubscriptionView> {
  const updated = await deps.store.updateSubscription(
    tenantId,
    id,
    (current) => {
      const changes = change(current);
      if (changes.filter) parseFilter(changes.filter);
      if (changes.url !== undefined) checkUrl(deps, changes.url);
      return changes.active === true ? { ...changes, disabledReason: null } : changes;
    },
    deps.now(),
  );
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

function checkUrl(deps: ServiceDeps, url: string): void {
  const check = checkTargetUrl(url, deps.targetPolicy);
  if (!check.ok) {
    const code = check.reason === 'forbidden_address' ? 'forbidden_target' : 'validation_failed';
    throw new HookpostError(code, check.message, [{ pointer: '/url', message: check.message, reason: check.reason }]);
  }
}

async function checkInput(
  deps: ServiceDeps,
  tenantId: string,
  input: SubscriptionInput,
  signing: SigningScheme,
  applicationId: string | null,
  ownId: string | null,
): Promise<void> {
  if (input.url !== undefined) checkUrl(deps, input.url);
  const problems: ErrorDetail[] = [];
  if (input.secret !== undefined) {
    try {
      checkSecretFor(signing, input.secret);
    } catch (error) {
      problems.push(...((error as HookpostError).details as ErrorDetail[]));
    }
  }
  if (input.headers) problems.push(...checkCustomHeaders(input.headers));
  if (input.uid !== undefined && input.uid !== null) problems.push(...uidProblems(input.uid, `${ID_PREFIX.subscription}_`));
  if (input.retryPolicy) problems.push(...checkRetryOverride(input.retryPolicy));
  if (input.filter) {
    try {
      parseFilter(input.filter);
    } catch (error) {
      problems.push(...((error as HookpostError).details as ErrorDetail[]));
    }
  }
  if (problems.length > 0) throw new HookpostError('validation_failed', 'The subscription is not valid.', problems);
  if (input.uid !== undefined && input.uid !== null) {
    const holder = await deps.store.getSubscriptionByUid(tenantId, applicationId, input.uid);
    if (holder && holder.id !== ownId) throw uidTaken(input);
  }
  if (input.eventTypes) await checkEventTypes(deps, tenantId, input.eventTypes);
}

async function checkEventTypes(deps: ServiceDeps, tenantId: string, eventTypes: string[]): Promise<void> {
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
    if (!(await isKnownEventType(deps, tenantId, name))) unknown.push({ pointer: `/event_types/${index}`, message: `unknown event type ${name}` });
  }
  if (unknown.length > 0) throw new HookpostError('unknown_event_type', 'Some event types are not in the catalog.', unknown);
}

function checkRetryOverride(policy: RetryOverride): ErrorDetail[] {
  const { maxAttempts, maxDelayMs } = RETRY_OVERRIDE_LIMITS;
  const problems: ErrorDetail[] = [];
  if (policy.scheduleMs && (policy.scheduleMs.length >= maxAttempts || policy.scheduleMs.some((d) => !Number.isInteger(d) || d < 0 || d > maxDelayMs))) {
    problems.push({ pointer: '/retry_policy/schedule_ms', message: `at most ${maxAttempts - 1} delays, each 0 to ${maxDelayMs} ms` });
  }
  if (policy.maxAttempts !== null && (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1 || policy.maxAttempts > maxAttempts)) {
    problems.push({ pointer: '/retry_policy/max_attempts', message: `an integer from 1 to ${maxAttempts}` });
  }
  return problems;
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
