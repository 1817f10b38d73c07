import fs from 'node:fs';

import type { FeatureStoreEnv } from '@shelfcast/config';
import { retailFeatureSet, type FeatureSet, type HolidaySpec, type Measure } from '@shelfcast/features-core';

import { assertServable } from './vectors';

/** What a deployment serves: the feature set, the measure it forecasts, and the online horizon. */
export interface FeatureStoreSettings {
  featureSet: FeatureSet;
  measure: Measure;
  horizon: number;
}

export function featureStoreSettings(env: FeatureStoreEnv): FeatureStoreSettings {
  let holidays: HolidaySpec | undefined;
  if (env.FEATURES_HOLIDAYS_FILE) {
    try {
      holidays = JSON.parse(fs.readFileSync(env.FEATURES_HOLIDAYS_FILE, 'utf8')) as HolidaySpec;
    } catch (e) {
      throw new Error(`FEATURES_HOLIDAYS_FILE ${env.FEATURES_HOLIDAYS_FILE}: ${(e as Error).message}`);
    }
  }
  const featureSet = retailFeatureSet({
    frequency: env.FEATURES_FREQUENCY,
    origin: env.FEATURES_GRID_ORIGIN,
    weekLabel: env.FEATURES_WEEK_LABEL,
    measure: env.FEATURES_MEASURE,
    version: env.FEATURES_SET_VERSION,
    ...(holidays ? { holidays } : {}),
  });
  assertServable(featureSet);
  return { featureSet, measure: env.FEATURES_MEASURE, horizon: env.FEATURES_HORIZON };
}
