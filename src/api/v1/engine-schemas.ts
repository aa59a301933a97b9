import { Type, type Static } from '../../vendor/typebox.js';

// Request and answer shapes of the delivery engine's routes (recovery, tasks, resend, tests, health).
const Timestamp = Type.String({ format: 'date-time' });

export const RecoverBody = Type.Object(
  {
    since: Type.String({ format: 'date-time', description: 'Failed deliveries created from this time on are sent again.' }),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Up to this time (exclusive); default: when the request is made.' })),
  },
  { additionalProperties: false },
);
export type RecoverBody = Static<typeof RecoverBody>;

export const StartedTask = Type.Object({ task_id: Type.String() });

export const TaskResource = Type.Object({
  id: Type.String(),
  kind: Type.String({ description: 'recover, or fan_out (a wide fan-out finished after its writer died)' }),
  status: Type.Union([Type.Literal('running'), Type.Literal('done')]),
  params: Type.Record(Type.String(), Type.Unknown(), { description: 'What was asked: subscription_id, since and until (recover); event_id (fan_out).' }),
  progress: Type.Record(Type.String(), Type.Integer(), { description: 'Counts so far: requeued (recover); written, the deliveries written (fan_out).' }),
  created_at: Timestamp,
  updated_at: Timestamp,
  finished_at: Type.Union([Timestamp, Type.Null()]),
});

export const ResendBody = Type.Object(
  { subscription_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Only this subscription; default: every matching one.' })) },
  { additionalProperties: false },
);

export const Resent = Type.Object({ event_id: Type.String(), delivery_ids: Type.Array(Type.String()) });

export const TestEventBody = Type.Object(
  { event_type: Type.String({ minLength: 1, maxLength: 256, description: "The type whose example is sent." }) },
  { additionalProperties: false },
);

export const TestEventSent = Type.Object({ id: Type.String({ description: 'The id of the test event (its webhook-id).' }), type: Type.String() });

export const CancelledEvent = Type.Object({ id: Type.String(), cancelled: Type.Integer({ description: 'Deliveries cancelled by this call.' }) });

const HealthWindow = Type.Object({
  attempts: Type.Integer(),
  successes: Type.Integer(),
  failures: Type.Integer(),
  success_rate: Type.Union([Type.Number(), Type.Null()], { description: 'successes / attempts; null without attempts.' }),
  average_latency_ms: Type.Union([Type.Integer(), Type.Null()]),
  max_latency_ms: Type.Union([Type.Integer(), Type.Null()]),
});

export const SubscriptionHealth = Type.Object({
  subscription_id: Type.String(),
  active: Type.Boolean(),
  circuit: Type.Union([Type.Literal('closed'), Type.Literal('open'), Type.Literal('half_open')], {
    description: 'open: deliveries wait (no attempts) until `retry_at`, when one probe is sent (half_open); its success closes the circuit.',
  }),
  retry_at: Type.Union([Timestamp, Type.Null()], { description: 'Open: when the probe goes. Half open: when another probe may go if this one never reports.' }),
  consecutive_failures: Type.Integer(),
  failing_since: Type.Union([Timestamp, Type.Null()], { description: 'Start of the current run of failed attempts; a long run disables the subscription.' }),
  last_hour: HealthWindow,
  last_day: HealthWindow,
});

const Count = Type.Integer({ minimum: 0 });

export const TenantUsage = Type.Object({
  events: Count,
  deliveries: Type.Object({ pending: Count, in_flight: Count, succeeded: Count, failed: Count, cancelled: Count }),
  attempts: Count,
  subscriptions: Count,
});
