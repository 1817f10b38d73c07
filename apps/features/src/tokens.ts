export const FEATURES_CONFIG = Symbol('FEATURES_CONFIG');
/** The feature store's pg pool (bulk SQL the Prisma client cannot express). */
export const PG_POOL = Symbol('PG_POOL');
export const FEATURE_SETTINGS = Symbol('FEATURE_SETTINGS');
export const ONLINE_STORE = Symbol('ONLINE_STORE');
export const FEATURES_METRICS = Symbol('FEATURES_METRICS');
export const ONLINE_REFRESHER = Symbol('ONLINE_REFRESHER');
export const CONSUMER_ACTIVITY = Symbol('CONSUMER_ACTIVITY');
