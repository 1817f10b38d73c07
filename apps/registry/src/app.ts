import { createHttpApp, type ServiceContext } from '@shelfcast/observability';

import type { RegistryConfig } from './config';
import { configureHttp } from './http';
import { RegistryModule } from './registry.module';

/** How the registry service is assembled: the same for `main` and for tests driving it in-process. */
export function registryHttpOptions(config: RegistryConfig, ctx: ServiceContext) {
  return {
    ...ctx,
    module: RegistryModule.register(config, ctx),
    bodyLimit: config.REGISTRY_MAX_BODY_BYTES,
    configure: configureHttp,
  };
}

export function createRegistryApp(config: RegistryConfig, ctx: ServiceContext) {
  return createHttpApp(registryHttpOptions(config, ctx));
}
