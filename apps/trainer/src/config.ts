import { commonEnv, databaseEnv, env, redisEnv } from '@shelfcast/config';
import { z } from 'zod';

/** Every variable the trainer service reads; validated once at boot. */
export const TrainerConfig = z.object({
  ...commonEnv,
  ...databaseEnv,
  ...redisEnv,
  HOST: z.string().default('0.0.0.0'),
  /** Side port for /health and /metrics: the trainer serves no API. */
  METRICS_PORT: env.port(3003),
});
export type TrainerConfig = z.infer<typeof TrainerConfig>;
