import { commonEnv, databaseEnv, httpEnv, kafkaEnv, redisEnv } from '@shelfcast/config';
import { z } from 'zod';

/** Every variable the inference service reads; validated once at boot. */
export const InferenceConfig = z.object({
  ...commonEnv,
  ...httpEnv(3005),
  ...kafkaEnv,
  ...databaseEnv,
  ...redisEnv,
});
export type InferenceConfig = z.infer<typeof InferenceConfig>;
