import type { DeliveryFormat } from '../../core/envelope.js';
import { fourthwall } from './fourthwall/index.js';
import { kajabi } from './kajabi/index.js';
import { schoolmaker } from './schoolmaker/index.js';
import { outsideNativeDocs, type CompatPlatform } from './shared/platform.js';
import { svix } from './svix/index.js';
import { thinkific } from './thinkific/index.js';
import { timeback } from './timeback/index.js';

export { registerCatalogs, type CompatPlatform } from './shared/platform.js';

/** The seed platforms' doors, each mounted under `/compat/<name>`. */
export const compatPlatforms: CompatPlatform[] = [schoolmaker, kajabi, thinkific, timeback, fourthwall, svix].map(outsideNativeDocs);

/** Every delivery format the compat platforms' subscriptions use. */
export function compatFormats(platforms: CompatPlatform[] = compatPlatforms): DeliveryFormat[] {
  return platforms.flatMap((platform) => platform.formats);
}
