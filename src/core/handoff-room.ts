// The hand-off room is an Int32Array in shared memory: the API's thread takes units from it as a
// publish leases deliveries to the delivery engine (service/handoff.ts), and the engine gives them
// back as it writes their outcomes (delivery/dispatcher.ts). Its slots, named once for both sides.

/** The hand-off room's slots, by what each holds. */
export const ROOM_SLOT = {
  /** Units left: one per delivery a publish may still lease to the engine. */
  left: 0,
  /** Of those, the last ones that only a wide fan-out's deliveries may take. */
  fanOutReserved: 1,
  /** A fan-out is wide when its event goes to more subscriptions than this (a claim's batch). */
  fanOutWidth: 2,
} as const;

/** How many slots the room has (its Int32Array's length). */
export const ROOM_SLOTS = 3;
