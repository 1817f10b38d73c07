export const TRAINER_CONFIG = Symbol('TRAINER_CONFIG');
/** The feature store's pg pool the pipeline reads through. */
export const FEATURE_POOL = Symbol('FEATURE_POOL');
export const FEATURE_SETTINGS = Symbol('FEATURE_SETTINGS');
export const TRAINER_METRICS = Symbol('TRAINER_METRICS');
export const REGISTRY_CLIENT = Symbol('REGISTRY_CLIENT');
/** Connection options every BullMQ object of the service is built from. */
export const QUEUE_CONTEXT = Symbol('QUEUE_CONTEXT');
export const CODE_VERSION = Symbol('CODE_VERSION');
