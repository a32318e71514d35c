/**
 * Statistics for mean reversion: OLS, ADF (+ MacKinnon p-values and critical values),
 * Engle-Granger, Johansen, half-life, Hurst exponent, variance ratio and rolling windows.
 * The numbers match statsmodels 0.13.5; see docs/statistics.md.
 */
export { StatsError } from './errors.js';
export { ols, type OlsOptions, type OlsResult } from './ols.js';
export { adfuller, type AdfOptions, type AdfResult, type Autolag, type CriticalValues } from './adf.js';
export {
  mackinnonp,
  mackinnoncrit,
  type MackinnonpOptions,
  type MackinnoncritOptions,
  type Regression,
} from './mackinnon.js';
export { coint, type CointOptions, type CointResult } from './coint.js';
export { johansen, type JohansenOptions, type JohansenResult } from './johansen.js';
export { halfLife, type HalfLifeResult } from './halflife.js';
export { hurst, type HurstOptions, type HurstResult } from './hurst.js';
export { varianceRatio, type VarianceRatioResult } from './varianceRatio.js';
export {
  RollingWindow,
  rollingMean,
  rollingStd,
  rollingZScore,
  DEFAULT_LOOKBACK,
  type RollingOptions,
} from './rolling.js';
export { normalCdf, normalSf } from './normal.js';
export { benjaminiHochberg } from './multipleTesting.js';
export { normalPpf } from './normal.js';
export {
  returnMoments,
  quantile,
  tailRisk,
  cornishFisherZ,
  rollingStats,
  benchmarkStats,
  worstDrawdowns,
  tradeStatistics,
  type ReturnMoments,
  type TailRisk,
  type BenchmarkStats,
  type DrawdownPeriod,
  type TradeStatistics,
} from './performance.js';
export {
  probabilisticSharpeRatio,
  expectedMaxSharpe,
  deflatedSharpeRatio,
  type SharpeSample,
  type DeflatedSharpe,
} from './sharpeInference.js';
export { tradeBootstrap, type BootstrapOptions, type TradeBootstrap, type Interval } from './bootstrap.js';
export { probabilityOfOverfitting, type OverfittingResult } from './pbo.js';
