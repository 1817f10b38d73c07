import { type z } from 'zod';

import { seriesKey } from '../common';
import { eventHeaders } from './headers';
import { AlertRaised, FeaturesUpdated, ForecastsPublished, ModelEvent } from '../events/pipeline';
import {
  InventorySnapshot,
  PriceChanged,
  ProductUpserted,
  PromotionScheduled,
  RetailEvent,
  SaleRecorded,
  StoreUpserted,
} from '../events/retail';

/**
 * Every topic, by its versioned name. Renaming a topic strands the messages already on it:
 * a breaking schema change is a new version and a new topic, never an edit here.
 */
export const TOPICS = {
  sales: 'shelfcast.sales.v1',
  inventory: 'shelfcast.inventory.v1',
  prices: 'shelfcast.prices.v1',
  promotions: 'shelfcast.promotions.v1',
  products: 'shelfcast.products.v1',
  stores: 'shelfcast.stores.v1',
  featuresUpdated: 'shelfcast.features.updated.v1',
  models: 'shelfcast.models.v1',
  forecasts: 'shelfcast.forecasts.v1',
  alerts: 'shelfcast.alerts.v1',
} as const;

/** Topics whose messages are not one typed event: the raw inbox that back ends may publish to, and the dead letters. */
export const RAW_TOPICS = {
  ingestRaw: 'shelfcast.ingest.raw.v1',
  ingestDlq: 'shelfcast.ingest.dlq.v1',
  /** Events the features service could not take (dead letters of its consumer group). */
  featuresDlq: 'shelfcast.features.dlq.v1',
  /** Messages of the trainer's alert consumer it could not take. */
  trainerDlq: 'shelfcast.trainer.dlq.v1',
} as const;

interface TopicContract<S extends z.ZodType> {
  schema: S;
  /** Message key: orders what must stay ordered (one series in one partition). */
  key(event: z.infer<S>): string;
}

/** Key of any retail event: series events by `storeId|sku`, master data by its own id. */
export function retailEventKey(event: RetailEvent): string {
  switch (event.type) {
    case 'shelfcast.product.upserted.v1':
      return event.data.sku;
    case 'shelfcast.store.upserted.v1':
      return event.data.storeId;
    default:
      return seriesKey(event.data.storeId, event.data.sku);
  }
}

function contract<S extends z.ZodType>(schema: S, key: (event: z.infer<S>) => string): TopicContract<S> {
  return { schema, key };
}

export const TOPIC_CONTRACTS = {
  [TOPICS.sales]: contract(SaleRecorded, (e) => seriesKey(e.data.storeId, e.data.sku)),
  [TOPICS.inventory]: contract(InventorySnapshot, (e) => seriesKey(e.data.storeId, e.data.sku)),
  [TOPICS.prices]: contract(PriceChanged, (e) => seriesKey(e.data.storeId, e.data.sku)),
  [TOPICS.promotions]: contract(PromotionScheduled, (e) => seriesKey(e.data.storeId, e.data.sku)),
  [TOPICS.products]: contract(ProductUpserted, (e) => e.data.sku),
  [TOPICS.stores]: contract(StoreUpserted, (e) => e.data.storeId),
  [TOPICS.featuresUpdated]: contract(FeaturesUpdated, (e) => e.data.featureSetVersion),
  [TOPICS.models]: contract(ModelEvent, (e) => e.data.modelName),
  [TOPICS.forecasts]: contract(ForecastsPublished, (e) => e.data.modelName),
  // A model's alerts stay in order (one partition); alerts about no model by kind.
  [TOPICS.alerts]: contract(AlertRaised, (e) => e.data.modelName ?? e.data.kind),
  // Back ends may publish any retail event here directly; ingestion validates and routes it.
  [RAW_TOPICS.ingestRaw]: contract(RetailEvent, retailEventKey),
} satisfies Record<(typeof TOPICS)[keyof typeof TOPICS] | typeof RAW_TOPICS.ingestRaw, TopicContract<z.ZodType>>;

export type TopicName = keyof typeof TOPIC_CONTRACTS;
/** The event a topic carries: `publish('shelfcast.sales.v1', saleRecorded)` is checked at compile time. */
export type TopicEvent<T extends TopicName> = z.infer<(typeof TOPIC_CONTRACTS)[T]['schema']>;
/** The input type (before defaults apply) a producer may hand over for a topic. */
export type TopicEventInput<T extends TopicName> = z.input<(typeof TOPIC_CONTRACTS)[T]['schema']>;

/** Which topic a retail event type goes to. */
export const RETAIL_EVENT_TOPIC = {
  'shelfcast.sale.recorded.v1': TOPICS.sales,
  'shelfcast.inventory.snapshot.v1': TOPICS.inventory,
  'shelfcast.price.changed.v1': TOPICS.prices,
  'shelfcast.promotion.scheduled.v1': TOPICS.promotions,
  'shelfcast.product.upserted.v1': TOPICS.products,
  'shelfcast.store.upserted.v1': TOPICS.stores,
} as const;

/** The Kafka record of a retail event as the platform writes it: its topic, series key, JSON value and headers. */
export function retailEventRecord(event: RetailEvent): {
  topic: (typeof RETAIL_EVENT_TOPIC)[RetailEvent['type']];
  key: string;
  value: string;
  headers: Record<string, string>;
} {
  return {
    topic: RETAIL_EVENT_TOPIC[event.type],
    key: retailEventKey(event),
    value: JSON.stringify(event),
    headers: eventHeaders(event),
  };
}

/** Defaults for topic creation; every value can be overridden per deployment. */
export interface TopicSpec {
  name: string;
  partitions?: number;
  retentionMs?: number;
  cleanupPolicy?: 'delete' | 'compact';
}

export const TOPIC_SPECS: TopicSpec[] = [
  ...Object.values(TOPICS).map((name) => ({ name })),
  { name: RAW_TOPICS.ingestRaw },
  // Dead letters wait for a person: keep them four weeks.
  { name: RAW_TOPICS.ingestDlq, retentionMs: 28 * 24 * 3600 * 1000 },
  { name: RAW_TOPICS.featuresDlq, retentionMs: 28 * 24 * 3600 * 1000 },
  { name: RAW_TOPICS.trainerDlq, retentionMs: 28 * 24 * 3600 * 1000 },
];
