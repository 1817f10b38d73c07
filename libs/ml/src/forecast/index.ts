export {
  categoryCode,
  defaultSeriesData,
  globalGbdt,
  GlobalGbdtForecaster,
  type GlobalGbdtFit,
  type GlobalGbdtOptions,
  type QuantileMethod,
} from './global-gbdt';
