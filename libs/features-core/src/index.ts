/**
 * @shelfcast/features-core: the one definition of every feature of a series at a date, used by
 * training (batch matrices) and serving (single rows) alike. Pure TypeScript, no dependencies.
 */
export {
  dayFields,
  epochDay,
  formatDate,
  holidayDates,
  HolidayIndex,
  parseDate,
  periodSpan,
  type DayFields,
  type Frequency,
  type HolidayDefinition,
  type HolidayRule,
  type PeriodGrid,
  type PeriodSpan,
} from './calendar';
export {
  canonicalJson,
  FREQUENCY_DEFAULTS,
  resolveSpec,
  type CovariateSpec,
  type FeatureSetSpec,
  type GroupSpec,
  type HolidaySpec,
  type ResolvedSpec,
  type RollingStat,
} from './spec';
export { buildGroupAggregates, isObserved, type GroupAggregates, type GroupSeries, type SeriesData } from './series';
export {
  defineFeatureSet,
  FEATURE_CODE_REVISION,
  lagIndex,
  type FeatureFrame,
  type FeatureInfo,
  type FeatureKind,
  type FeatureMatrixOut,
  type FeatureSet,
  type MatrixLayout,
  type RowRequests,
} from './feature-set';
export {
  categoryCode,
  dayOf,
  historyDays,
  historyPeriods,
  lastCompletePeriod,
  MEASURES,
  periodOfDay,
  seriesFromHistory,
  type DailyMeasures,
  type Measure,
  type PricePoint,
  type PromotionSpan,
  type SeriesHistory,
} from './history';
export {
  defaultHolidays,
  RETAIL_FEATURE_SET_NAME,
  retailFeatureSet,
  superBowlDates,
  type RetailFeatureSetOptions,
} from './retail';
