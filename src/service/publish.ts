import { HookpostError } from '../core/errors.js';
import type { HookEvent } from '../core/model.js';
import { noTracing, type TraceSpan } from '../core/tracing.js';
import type { InsertEventResult, NewEventWrite } from '../store/store.js';
import { uidTaken } from '../store/uids.js';
import type { ServiceDeps } from './deps.js';
import { checkPayload, planDeliveries } from './event-plan.js';
import { inParts, writeInParts } from './fan-out.js';
import { groupCommitsOf } from './group-commit.js';
import type { PayloadSchemas } from './payload-schemas.js';

/** What a door publishes. */
export interface PublishInput {
  type: string;
  data: unknown;
  id?: string | undefined;
  resourceId?: string | null | undefined;
  deliverAt?: number | null | undefined;
  /** Publish to this application: only its subscriptions match. */
  applicationId?: string | null | undefined;
  /** The publisher's own id of the event; a second event with it in the same application is a conflict. */
  uid?: string | null | undefined;
  channels?: string[] | null | undefined;
  tags?: string[] | null | undefined;
  /** Orders this event's deliveries, among events with the same key, for subscriptions with `ordering: 'key'`. */
  orderingKey?: string | null | undefined;
  /** Accept a type that neither the tenant nor a catalog defines (as Svix does). */
  allowUndefinedType?: boolean | undefined;
  /** The W3C traceparent to keep with the event (publish sets its own span's). */
  traceParent?: string | null | undefined;
}

/** Who called publish, for its trace: the caller's W3C traceparent (e.g. the request's header), if any. */
export interface PublishCaller {
  traceParent?: string | undefined;
}

/** The stored event, whether this call created it, and how many deliveries it fanned out to. */
export interface PublishResult {
  event: HookEvent;
  created: boolean;
  deliveries: number;
}

/** One event's answer in a batch: accepted (written now), duplicate (its id existed), or rejected with its error. */
export type BatchItemResult =
  | { id: string; status: 'accepted' | 'duplicate'; event: HookEvent }
  | { id: string | null; status: 'rejected'; error: HookpostError };

/**
 * Validates an event against its type and finds the tenant's matching subscriptions: the event
 * and one delivery per match, ready to write. Throws the HookpostError a door answers with. This
 * is publish's matching and fan-out, shared by every way of writing events (single, batch, outbox).
 */
export async function prepareEvent(
  deps: ServiceDeps,
  schemas: PayloadSchemas,
  tenantId: string,
  input: PublishInput,
): Promise<NewEventWrite> {
  await checkPayload(deps, schemas, tenantId, input);
  if (input.uid !== undefined && input.uid !== null) {
    // A repeated id stays idempotent; only a new event may not take a uid already used in its application.
    const repeated = input.id !== undefined && (await deps.store.getEvent(tenantId, input.id)) !== undefined;
    if (!repeated && (await deps.store.getEventByUid(tenantId, input.applicationId ?? null, input.uid))) throw uidTaken(input);
  }
  return planDeliveries(deps, tenantId, input, deps.handoff);
}

/**
 * Validates an event, finds the tenant's matching subscriptions and writes the event with one
 * delivery each, in the group commit of the publishes arriving at the same moment; resolves once
 * that group committed. A repeated id changes nothing and answers with the stored event.
 */
export async function publishEvent(
  deps: ServiceDeps,
  schemas: PayloadSchemas,
  tenantId: string,
  input: PublishInput,
  caller: PublishCaller = {},
): Promise<PublishResult> {
  const span = (deps.tracing ?? noTracing).startPublish(caller.traceParent, { 'hookpost.tenant_id': tenantId, 'hookpost.event_type': input.type });
  return traced(span, async () => {
    const write = await prepareEvent(deps, schemas, tenantId, { ...input, traceParent: span.traceParent });
    // A wide fan-out commits its event with a first part; the answer waits for the rest (fan-out.ts).
    const parts = inParts(write, deps.now());
    const { event, created, uidTaken: taken } = await writeInParts(deps, parts, async () =>
      (await settled(deps, [parts.first], async () => [await groupCommitsOf(deps.store).events.write(parts.first)]))[0]!,
    );
    if (taken) throw uidTaken(write.event);
    const deliveries = created ? write.deliveries.length : 0;
    span.setAttributes({ 'hookpost.event_id': event.id, 'hookpost.deliveries': deliveries, 'hookpost.duplicate': !created });
    return { event, created, deliveries };
  });
}

/** Writes `writes` through `write`, then settles their leased deliveries with the hand-off: handed over if written, given back if not. */
async function settled(deps: ServiceDeps, writes: NewEventWrite[], write: () => Promise<InsertEventResult[]>): Promise<InsertEventResult[]> {
  const { handoff } = deps;
  if (!handoff) return write();
  let results: InsertEventResult[];
  try {
    results = await write();
  } catch (error) {
    for (const item of writes) handoff.settle(item.deliveries, false);
    throw error;
  }
  writes.forEach((item, i) => handoff.settle(item.deliveries, results[i]!.created));
  return results;
}

/** Runs `work` inside `span`, ending it with the error that work threw, if any. */
async function traced<T>(span: TraceSpan, work: () => Promise<T>): Promise<T> {
  try {
    const result = await work();
    span.end();
    return result;
  } catch (error) {
    span.end(error instanceof Error ? error.message : String(error));
    throw error;
  }
}

/**
 * Publishes many events in ONE transaction: each is validated on its own (a bad one is rejected,
 * the others still go in), and the answer has one entry per input, in order. Idempotent per id.
 */
export async function publishEvents(
  deps: ServiceDeps,
  schemas: PayloadSchemas,
  tenantId: string,
  inputs: PublishInput[],
  caller: PublishCaller = {},
): Promise<BatchItemResult[]> {
  const span = (deps.tracing ?? noTracing).startPublish(caller.traceParent, { 'hookpost.tenant_id': tenantId, 'messaging.batch.message_count': inputs.length });
  return traced(span, () => publishBatch(deps, schemas, tenantId, inputs.map((input) => ({ ...input, traceParent: span.traceParent }))));
}

async function publishBatch(deps: ServiceDeps, schemas: PayloadSchemas, tenantId: string, inputs: PublishInput[]): Promise<BatchItemResult[]> {
  const prepared: Array<NewEventWrite | HookpostError> = [];
  for (const input of inputs) {
    try {
      prepared.push(await prepareEvent(deps, schemas, tenantId, input));
    } catch (error) {
      if (!(error instanceof HookpostError)) throw error;
      prepared.push(error);
    }
  }
  const writes = prepared.filter((p): p is NewEventWrite => !(p instanceof HookpostError));
  const written = writes.length > 0 ? await settled(deps, writes, () => deps.store.insertEvents(writes)) : [];
  let next = 0;
  return prepared.map((p, i): BatchItemResult => {
    if (p instanceof HookpostError) return { id: inputs[i]!.id ?? null, status: 'rejected', error: p };
    const result = written[next++]!;
    if (result.uidTaken) return { id: result.event.id, status: 'rejected', error: uidTaken(result.event) };
    return { id: result.event.id, status: result.created ? 'accepted' : 'duplicate', event: result.event };
  });
}
