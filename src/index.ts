/**
 * kalrev: Kalman-filter mean-reversion trading toolkit. This file is the whole public API: every
 * name is listed here on purpose (test/api/exports.test.ts holds the list), and the modules'
 * other exports are internal.
 * @packageDocumentation
 */
export { KalrevError } from './errors.js';

// Statistics: regressions, unit-root and cointegration tests, mean-reversion measures
export {
  StatsError,
  ols,
  adfuller,
  mackinnonp,
  mackinnoncrit,
  coint,
  johansen,
  halfLife,
  hurst,
  varianceRatio,
  RollingWindow,
  rollingMean,
  rollingStd,
  rollingZScore,
  normalCdf,
  benjaminiHochberg,
  normalSf,
} from './stats/index.js';
export type {
  OlsOptions,
  OlsResult,
  AdfOptions,
  AdfResult,
  Autolag,
  CriticalValues,
  MackinnonpOptions,
  MackinnoncritOptions,
  Regression,
  CointOptions,
  CointResult,
  JohansenOptions,
  JohansenResult,
  HalfLifeResult,
  HurstOptions,
  HurstResult,
  VarianceRatioResult,
  RollingOptions,
} from './stats/index.js';

// Tear-sheet statistics and the statistics against selection bias
export {
  normalPpf,
  returnMoments,
  tailRisk,
  rollingStats,
  benchmarkStats,
  worstDrawdowns,
  tradeStatistics,
  probabilisticSharpeRatio,
  expectedMaxSharpe,
  deflatedSharpeRatio,
  tradeBootstrap,
  probabilityOfOverfitting,
} from './stats/index.js';
export type {
  ReturnMoments,
  TailRisk,
  BenchmarkStats,
  DrawdownPeriod,
  TradeStatistics,
  SharpeSample,
  DeflatedSharpe,
  BootstrapOptions,
  TradeBootstrap,
  Interval,
  OverfittingResult,
} from './stats/index.js';

// The Kalman filter (pykalman's model and API) and the pairs model
export {
  KalmanFilter,
  KalmanModelError,
  VectorSequence,
  MatrixSequence,
  dynamicHedgeRatio,
  pairModel,
  pairObservationMatrices,
  pairTransitionVariance,
  createPairState,
  pairStep,
  pairSkip,
  PAIR_BETA,
  PAIR_ALPHA,
  PAIR_VAR_BETA,
  PAIR_E,
  PAIR_Q,
} from './kalman/index.js';
export type {
  EmOptions,
  FilterCallOptions,
  FilterMeansResult,
  FilterResult,
  FilterUpdateOverrides,
  FilterUpdateResult,
  SmoothResult,
  EmVar,
  KalmanModel,
  KalmanModelInput,
  MatrixInput,
  ObservationsInput,
  PartialMissingPolicy,
  SeriesInput,
  ShapedArray,
  VectorInput,
  HedgeRatioOptions,
  HedgeRatioPath,
  PairModelOptions,
} from './kalman/index.js';

// Prices: the frame, its readers, alignment and repairs
export {
  PriceFrame,
  FrameError,
  DataError,
  readWideCsv,
  readWideCsvSync,
  readLongCsv,
  readLongCsvSync,
  readYahooCsv,
  readYahooCsvSync,
  readFolder,
  readPrices,
  readParquet,
  alignFrames,
  forwardFill,
} from './data/index.js';
// Trading sessions: exchange calendars and the regular-hours filter
export {
  tradingCalendar,
  nyseHolidays,
  nyseEarlyCloses,
  CalendarError,
  CALENDAR_NAMES,
  NYSE_YEARS,
  regularHours,
  SESSION_HOURS,
} from './data/index.js';
export type {
  CalendarName,
  Session,
  TradingCalendar,
  SessionHours,
  SessionFilterReport,
} from './data/index.js';
export type {
  PriceField,
  PriceFrameInit,
  DataErrorCode,
  FolderReadOptions,
  FolderResult,
  PriceFormat,
  ReadOptions,
  BarsReadOptions,
  ReadResult,
  AlignOptions,
  AlignmentReport,
  Join,
  SymbolAlignment,
  Repair,
  RepairOptions,
  SortRepair,
  DropDuplicatesRepair,
  NonPositiveRepair,
  ForwardFillRepair,
} from './data/index.js';

// Fetching prices from a provider (Yahoo, Stooq, Alpaca, a ccxt exchange), through a cache
export { fetchPrices, defaultCacheDir } from './app/fetch.js';
export type { FetchOptions, FetchResult } from './app/fetch.js';
export { FetchError } from './data/fetch/index.js';
export type {
  FetchErrorCode,
  FetchInterval,
  FetchClock,
  RetryPolicy,
  FetchProgress,
} from './data/fetch/index.js';

// Strategies and their presets
export {
  StrategyError,
  MeanReversionStrategy,
  createStrategy,
  resolveStrategy,
  strategySchema,
  STRATEGY_PRESETS,
} from './strategy/index.js';
export type {
  Bar,
  Strategy,
  SignalState,
  StrategyInput,
  StrategyPresetName,
  StrategySpec,
  SpreadSpec,
  NormaliserSpec,
  RuleSpec,
  SizingSpec,
} from './strategy/index.js';

// Backtests
export { backtest } from './app/backtest.js';
export { BacktestError, backtestOptionsSchema } from './backtest/index.js';
export { BACKTEST_PRESETS } from './app/presets.js';
export type { BacktestPreset } from './app/presets.js';
export type {
  BacktestResult,
  Trade,
  Fills,
  SignalSeries,
  Metrics,
  BacktestOptions,
  Costs,
  ResolvedBacktestOptions,
} from './backtest/index.js';
export type { BarRef, MetricsWindow, SplitMetrics } from './execution/window.js';

// A book of pairs in one account: fixed or selected walk-forward, with its limits
export { portfolio } from './app/portfolio.js';
export { PortfolioError, runBook } from './backtest/portfolio.js';
export type { PortfolioInput, PortfolioResult } from './app/portfolio.js';
export type { PortfolioSpecInput } from './app/portfolioSpec.js';
export type {
  BookResult,
  BookOptions,
  BookLimits,
  SleevePlan,
  SleeveResult,
  LeavePolicy,
} from './backtest/portfolio.js';
export type { SelectionPeriod, PairPick, Allocation } from './scan/selection.js';

// The run spec: what backtest, scan, sweep and paper read from --config and write as run.json
export { runSpecSchema, parseRunSpec, resolveRunSpec, ConfigError } from './app/spec.js';
export type { RunSpec, RunSpecInput } from './app/spec.js';
export { resolvePaperConfig } from './app/paper.js';
export type { PaperConfigInput } from './app/paper.js';

// Scans of a universe's pairs, parameter sweeps with walk-forward analysis, and their executors
export {
  ScanError,
  scanPairs,
  sweep,
  universeFromFrame,
  writeScanOutputs,
  writeSweepOutputs,
  InlineExecutor,
  LocalExecutor,
  QueueExecutor,
  runQueueWorker,
} from './scan/index.js';
export type {
  ScanOptions,
  ScanResult,
  PairResult,
  PairStatus,
  Screens,
  Universe,
  SweepOptions,
  SweepResult,
  GridAxis,
  WalkForwardOptions,
  Window,
  WindowResult,
  Executor,
  LocalExecutorOptions,
  ProgressCallback,
  QueueExecutorOptions,
  QueueWorkerOptions,
  QueueWorkerHandle,
  QueueWorkerEvent,
  QueueRunStats,
  ScanOutputOptions,
  ScanTableFormat,
} from './scan/index.js';

// How much of a scan's or a sweep's best result is selection: trials, deflated Sharpe ratio, PBO
export { sweepSelectionBias, scanTrials } from './scan/index.js';
export type { SelectionTrials, SharpeSignificance, SweepSelectionBias } from './scan/index.js';

// Paper trading: a session on a feed, its configuration, the broker it trades with, its journal
export {
  openPaperSession,
  checkFeed,
  PaperRunner,
  PaperBroker,
  csvReplayFeed,
  ndjsonFeed,
  wsFeed,
  journalToBacktestResult,
  journalStatus,
  createLogger,
  silentLogger,
  FeedError,
  LiveConfigError,
  JournalError,
  JournalCorruptError,
  JournalLockedError,
  BrokerMismatchError,
  BrokerConnectionError,
} from './live/index.js';
export type {
  PaperSession,
  PaperSessionOptions,
  PaperConfig,
  OrdersConfig,
  RiskConfig,
  PairingConfig,
  BookConfig,
  SleeveConfig,
  RunnerOptions,
  RunnerHooks,
  BarOutcome,
  Broker,
  OrderRequest,
  Fill,
  OrderState,
  OrderStatus,
  MarketBar,
  Feed,
  FeedBar,
  CsvReplayOptions,
  WsFeedOptions,
  WsMapping,
  LiveStatus,
  SleeveStatus,
  Logger,
  FeedErrorCode,
} from './live/index.js';
// real venues: Alpaca and ccxt brokers and their market-data feeds (docs/brokers.md)
export {
  BrokerRefusedError,
  AlpacaBroker,
  alpacaBarFeed,
  resolveAlpacaSettings,
  CcxtBroker,
  ccxtBarFeed,
  openCcxtExchange,
  VenueFeedError,
  VenueHttpError,
} from './live/index.js';
export type {
  VenueOptions,
  AlpacaBrokerOptions,
  AlpacaFeedOptions,
  AlpacaSettings,
  AlpacaFlags,
  AlpacaDataFeed,
  CcxtBrokerOptions,
  CcxtFeedOptions,
  CcxtFlags,
  Backoff,
  Pause,
} from './live/index.js';

// Watching a paper run: its notices, the live dashboard, webhook alerts
export { startDashboard, DEFAULT_DASHBOARD_PORT } from './app/dashboard.js';
export type { DashboardOptions, LiveDashboard, RepeatTimer } from './app/dashboard.js';
export { WebhookAlerts, parseAlertTarget } from './live/index.js';
export type {
  RunnerEvent,
  RunnerListener,
  AlertKind,
  AlertPayload,
  AlertTarget,
  AlertStats,
  WebhookAlertsOptions,
  DashboardView,
  DashboardSeries,
} from './live/index.js';
