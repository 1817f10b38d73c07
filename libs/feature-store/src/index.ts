/**
 * @shelfcast/feature-store: exactly-once aggregates of retail events in PostgreSQL, online feature
 * vectors in Redis, and point-in-time training sets, all through the one feature definition of
 * @shelfcast/features-core.
 */
export {
  businessDate,
  eventColumns,
  EVENT_TYPES,
  WATERMARK_KEY,
  writeEvents,
  type ArrivedEvent,
  type WriteResult,
} from './writer';
export {
  contextsAt,
  historiesAt,
  loadContextRecords,
  loadContexts,
  loadOnlineHistories,
  refKey,
  streamOfflineDays,
  streamOfflineHistories,
  type ContextRecords,
  type KnowledgeScope,
  type OfflineReadOptions,
  type OfflineSource,
  type SeriesContext,
  type SeriesDays,
  type SeriesRef,
} from './history';
export { asOfDate, assertServable, computeVectors, type SeriesVectors } from './vectors';
export { decodeVectors, encodeVectors, OnlineStore, type OnlineStoreMeta, type OnlineVectors } from './online';
export {
  countDirty,
  countStale,
  markAllDirty,
  OnlineRefresher,
  onlineKeyOf,
  pendingSeries,
  type PendingSeries,
  readWatermark,
  type OnlineRefresherOptions,
  type RefreshedChunk,
  type RefreshResult,
} from './refresh';
export {
  buildTrainingSet,
  knowledgeScope,
  trainingChunk,
  type KnowledgeBound,
  type TrainingChunk,
  type TrainingSetOptions,
} from './training-set';
export { rebuildAggregates, type RebuildOptions, type RebuildResult } from './rebuild';
export { featureStoreSettings, type FeatureStoreSettings } from './settings';
