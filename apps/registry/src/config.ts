import { commonEnv, databaseEnv, httpEnv, kafkaEnv } from '@shelfcast/config';
import { z } from 'zod';

/** Every variable the registry service reads; validated once at boot. */
export const RegistryConfig = z.object({
  ...commonEnv,
  ...httpEnv(3004),
  ...kafkaEnv,
  ...databaseEnv,
});
export type RegistryConfig = z.infer<typeof RegistryConfig>;
