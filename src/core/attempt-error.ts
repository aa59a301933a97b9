/** Why a delivery attempt failed, as recorded on the attempt and shown in logs and the portal. */
export const ATTEMPT_ERROR_CLASSES = [
  'timeout',
  'refused',
  'dns',
  'tls',
  'bad_status',
  'forbidden_address',
  'network',
] as const;

/** One of ATTEMPT_ERROR_CLASSES. */
export type AttemptErrorClass = (typeof ATTEMPT_ERROR_CLASSES)[number];
