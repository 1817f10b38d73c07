export const REGISTRY_CONFIG = Symbol('REGISTRY_CONFIG');
export const REGISTRY_METRICS = Symbol('REGISTRY_METRICS');
export const ARTIFACT_STORE = Symbol('ARTIFACT_STORE');
/** A plain pg pool on the service's schema: the outbox relay and the artifact store. */
export const PG_POOL = Symbol('PG_POOL');
