import { commonEnv, databaseEnv, httpEnv, kafkaEnv, redisEnv } from '@shelfcast/config';
import { z } from 'zod';

/** Every variable the admin-api service reads; validated once at boot. */
export const AdminApiConfig = z.object({
  ...commonEnv,
  ...httpEnv(3006),
  ...kafkaEnv,
  ...databaseEnv,
  ...redisEnv,
});
export type AdminApiConfig = z.infer<typeof AdminApiConfig>;
