// Event types live in namespaces. The operator's own types (POST /v1/event-types) are the native
// namespace and keep their bare names (`order.created`); each platform door's catalog is the
// namespace of that door's name, and a publisher addresses its types as `<platform>:<name>`
// (`thinkific:order.created`). So a platform's catalog never takes a native name, and each door
// still spells its own names exactly as its platform does.

/** The namespace of the types an operator defines through the native API. */
export const NATIVE_NAMESPACE = 'native';

/** The platform doors Hookpost knows (HOOKPOST_PLATFORMS names them); each owns the namespace of its name. */
export const PLATFORM_NAMES = ['schoolmaker', 'timeback', 'kajabi', 'fourthwall', 'thinkific', 'svix'] as const;

/** One of PLATFORM_NAMES. */
export type PlatformName = (typeof PLATFORM_NAMES)[number];

/** True for the name of a known platform door. */
export function isPlatformName(value: string): value is PlatformName {
  return (PLATFORM_NAMES as readonly string[]).includes(value);
}

/** A type name split into its namespace and its name inside it. */
export interface EventTypeRef {
  namespace: string;
  name: string;
}

/** The name publishers and subscriptions use: bare in the native namespace, `<platform>:<name>` in a platform's. */
export function qualifyEventType(namespace: string, name: string): string {
  return namespace === NATIVE_NAMESPACE ? name : `${namespace}:${name}`;
}

/** Splits a qualified name; only a known platform's prefix makes a namespace (`billing:paid` stays a native name). */
export function parseEventType(qualified: string): EventTypeRef {
  const colon = qualified.indexOf(':');
  if (colon > 0) {
    const prefix = qualified.slice(0, colon);
    if (isPlatformName(prefix)) return { namespace: prefix, name: qualified.slice(colon + 1) };
  }
  return { namespace: NATIVE_NAMESPACE, name: qualified };
}

/** The name as `namespace` spells it: its own prefix removed; a name of another namespace stays qualified. */
export function localEventType(namespace: string, qualified: string): string {
  const ref = parseEventType(qualified);
  return ref.namespace === namespace ? ref.name : qualified;
}
