import { commonEnv, databaseEnv, httpEnv, kafkaEnv, redisEnv } from '@shelfcast/config';
import { z } from 'zod';

/** Every variable the ingestion service reads; validated once at boot. */
export const IngestionConfig = z.object({
  ...commonEnv,
  ...httpEnv(3001),
  ...kafkaEnv,
  ...databaseEnv,
  ...redisEnv,
});
export type IngestionConfig = z.infer<typeof IngestionConfig>;
