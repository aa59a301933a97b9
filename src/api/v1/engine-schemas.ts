import { Type, type Static } from 'typebox';

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
  kind: Type.String({ description: 'recover' }),
  status: Type.Union([Type.Literal('running'), Type.Literal('done')]),
  params: Type.Record(Type.String(), Type.Unknown(), { description: 'What was asked (subscription_id, since, until).' }),
  progress: Type.Record(Type.String(), Type.Integer(), { description: 'Counts so far: requeued.' }),
  created_at: Timestamp,
  updated_at: Timestamp,
  finished_at: Type.Union([Timestamp, Type.Null()]),
});
