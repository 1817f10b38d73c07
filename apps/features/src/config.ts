import { commonEnv, databaseEnv, httpEnv, kafkaEnv, redisEnv } from '@shelfcast/config';
import { z } from 'zod';

/** Every variable the features service reads; validated once at boot. */
export const FeaturesConfig = z.object({
  ...commonEnv,
  ...httpEnv(3002),
  ...kafkaEnv,
  ...databaseEnv,
  ...redisEnv,
});
export type FeaturesConfig = z.infer<typeof FeaturesConfig>;
