import type { PlatformName } from '../../core/event-namespaces.js';
import { fourthwall } from './fourthwall/index.js';
import { kajabi } from './kajabi/index.js';
import { schoolmaker } from './schoolmaker/index.js';
import { withOwnDocument, type CompatPlatform } from './shared/platform.js';
import { svix } from './svix/index.js';
import { thinkific } from './thinkific/index.js';
import { timeback } from './timeback/index.js';

export { type CompatPlatform } from './shared/platform.js';

/**
 * The platform doors, by name (a name of core/event-namespaces.ts's PLATFORM_NAMES, which
 * HOOKPOST_PLATFORMS chooses from). A new door registers itself by adding its entry here
 * (and its delivery format in formats.ts).
 */
export const PLATFORM_DOORS: Partial<Record<PlatformName, CompatPlatform>> = {
  schoolmaker,
  kajabi,
  thinkific,
  timeback,
  fourthwall,
  svix,
};

/** The doors to serve, in the order HOOKPOST_PLATFORMS names them; a known name without a door here serves nothing. */
export function servedPlatforms(names: readonly PlatformName[]): CompatPlatform[] {
  return names.flatMap((name) => {
    const door = PLATFORM_DOORS[name];
    return door ? [withOwnDocument(door)] : [];
  });
}

