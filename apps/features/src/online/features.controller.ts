import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { storeId as storeIdSchema } from '@shelfcast/contracts';
import {
  asOfDate,
  readWatermark,
  type FeatureStoreSettings,
  type OnlineRefresher,
  type OnlineStore,
} from '@shelfcast/feature-store';
import { ApiError } from '@shelfcast/observability';
import type { Pool } from 'pg';

import { FEATURE_SETTINGS, ONLINE_REFRESHER, ONLINE_STORE, PG_POOL } from '../tokens';

const MAX_SERIES = 500;

function parseRef(text: string, where: string): { storeId: string; sku: string } {
  const [storeId, sku, extra] = text.split('|');
  if (
    extra !== undefined ||
    !storeIdSchema.safeParse(storeId).success ||
    sku === undefined ||
    !storeIdSchema.safeParse(sku).success
  )
    throw new ApiError(400, 'invalid_series', `${where}: expected storeId|sku, got ${JSON.stringify(text)}`);
  return { storeId, sku };
}

/** Reads of the online store and the store's state, for the inference service and operators. */
@Controller('v1/features')
export class FeaturesController {
  constructor(
    @Inject(ONLINE_STORE) private readonly store: OnlineStore,
    @Inject(FEATURE_SETTINGS) private readonly settings: FeatureStoreSettings,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(ONLINE_REFRESHER) private readonly refresher: OnlineRefresher,
  ) {}

  /** The feature set served: names, fingerprint, grid, measure, horizon. */
  @Get('set')
  featureSet() {
    const fs = this.settings.featureSet;
    return {
      name: fs.name,
      version: fs.version,
      fingerprint: fs.fingerprint,
      grid: fs.spec.grid,
      measure: this.settings.measure,
      horizon: this.settings.horizon,
      features: fs.features,
    };
  }

  /** Watermark (latest business day seen), the anchor, and how many series wait for a refresh. */
  @Get('status')
  async status() {
    const [watermark, pending] = await Promise.all([readWatermark(this.pool), this.refresher.pending()]);
    return {
      featureSet: this.settings.featureSet.fingerprint,
      watermark,
      asOf: pending.anchor === null ? null : asOfDate(this.settings.featureSet, pending.anchor),
      dirtySeries: pending.dirty,
      staleSeries: pending.stale,
    };
  }

  /** Online vectors of up to 500 series: `?series=store|sku,store|sku`. */
  @Get('online')
  async many(@Query('series') series?: string) {
    if (!series) throw new ApiError(400, 'invalid_series', 'query series: give storeId|sku pairs separated by commas');
    const refs = series.split(',').map((s, i) => parseRef(s, `series[${i}]`));
    if (refs.length > MAX_SERIES)
      throw new ApiError(400, 'too_many_series', `query series: at most ${MAX_SERIES} series, got ${refs.length}`);
    const vectors = await this.store.readMany(refs);
    return {
      featureSet: this.settings.featureSet.fingerprint,
      featureNames: this.settings.featureSet.names,
      series: vectors.map((v, i) => (v ? this.view(v) : { ...refs[i], found: false })),
    };
  }

  /** Online vectors of one series. */
  @Get('online/:storeId/:sku')
  async one(@Param('storeId') storeId: string, @Param('sku') sku: string) {
    const ref = parseRef(`${storeId}|${sku}`, 'path');
    const v = await this.store.read(ref);
    if (!v)
      throw new ApiError(
        404,
        'not_found',
        `no online vectors for ${storeId}|${sku} (${this.settings.featureSet.fingerprint})`,
      );
    return {
      featureSet: this.settings.featureSet.fingerprint,
      featureNames: this.settings.featureSet.names,
      ...this.view(v),
    };
  }

  private view(v: Awaited<ReturnType<OnlineStore['read']>> & object) {
    const rows: Array<Array<number | null>> = [];
    for (let h = 0; h < v.horizon; h++)
      rows.push(
        Array.from(v.values.subarray(h * v.numFeatures, (h + 1) * v.numFeatures), (x) => (Number.isNaN(x) ? null : x)),
      );
    return {
      storeId: v.storeId,
      sku: v.sku,
      found: true,
      asOf: v.asOf,
      anchor: v.anchor,
      scale: v.scale,
      computedAt: v.computedAt,
      rows,
    };
  }
}
