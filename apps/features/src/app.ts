import { createHttpApp, type ServiceContext } from '@shelfcast/observability';

import type { FeaturesConfig } from './config';
import { FeaturesModule } from './features.module';

/** How the features service is assembled: the same for `main` and for tests driving it through supertest. */
export function featuresHttpOptions(config: FeaturesConfig, ctx: ServiceContext) {
  return { ...ctx, module: FeaturesModule.register(config, ctx) };
}

export function createFeaturesApp(config: FeaturesConfig, ctx: ServiceContext) {
  return createHttpApp(featuresHttpOptions(config, ctx));
}
