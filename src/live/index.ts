/**
 * The live module's public surface: paper trading on a stream with the backtest's exact
 * behaviour, a crash-safe journal, risk controls, feeds and the broker interface.
 * @packageDocumentation
 */
export {
  PaperRunner,
  type RunnerOptions,
  type RunnerHooks,
  type BarOutcome,
  type Mismatch,
  type ReconcileWhen,
} from './runner.js';
export {
  PaperBroker,
  BrokerConnectionError,
  type Broker,
  type OrderRequest,
  type OrderState,
  type OrderStatus,
  type Fill,
  type MarketBar,
  type ConnectionEvent,
} from './broker.js';
export {
  Journal,
  openDatabase,
  guardJournal,
  journalFailure,
  lockHolderAlive,
  MIGRATIONS,
  SCHEMA_VERSION,
} from './journal.js';
export type {
  BarRow,
  SleeveRow,
  JournalTrade,
  OrderRow,
  FillRow,
  EventRow,
  JournalOptions,
  JournalLock,
} from './journal.js';
export { OrderGate, type RiskAction } from './gate.js';
export {
  BarAssembler,
  parseFeedBar,
  type AssembledBar,
  type FeedBar,
  type FeedMessage,
  type AssemblerStats,
} from './assembler.js';
export {
  csvReplayFeed,
  csvFeedSymbols,
  ndjsonFeed,
  wsFeed,
  DEFAULT_WS_MAPPING,
  type Feed,
  type CsvReplayOptions,
  type WsFeedOptions,
  type WsMapping,
} from './feeds.js';
export {
  type PaperConfig,
  type OrdersConfig,
  type RiskConfig,
  type PairingConfig,
  type BookConfig,
  type SleeveConfig,
} from './config.js';
export {
  StrategyDesk,
  type Desk,
  type Decision,
  type DeskAction,
  type BarContext,
  type FlattenReason,
} from './desk.js';
export { BookDesk, type PaperSleeve } from './book.js';
export {
  FeedError,
  LiveConfigError,
  JournalError,
  JournalCorruptError,
  JournalLockedError,
  BrokerMismatchError,
  type FeedErrorCode,
} from './errors.js';
export {
  journalToBacktestResult,
  journalFrame,
  journalStatus,
  journalConfigChanges,
  REFUSING_AFTER,
  type LiveStatus,
  type SleeveStatus,
  type ConfigChange,
} from './report.js';
export { createLogger, silentLogger, type Logger } from './logger.js';
export {
  openPaperSession,
  checkFeed,
  brokerFactory,
  BROKERS,
  type BrokerContext,
  type BrokerFactory,
  type PaperSession,
  type PaperSessionOptions,
} from './session.js';
export { BrokerRefusedError } from '../execution/broker.js';
export { type VenueOptions } from './session.js';
export { AlpacaBroker, type AlpacaBrokerOptions } from './venues/alpacaBroker.js';
export { alpacaBarFeed, VenueFeedError, type AlpacaFeedOptions } from './venues/alpacaFeed.js';
export {
  resolveAlpacaSettings,
  ALPACA_PAPER_URL,
  ALPACA_LIVE_URL,
  ALPACA_DATA_STREAM_URL,
  type AlpacaSettings,
  type AlpacaFlags,
  type AlpacaDataFeed,
} from './venues/alpacaSettings.js';
export { CcxtBroker, type CcxtBrokerOptions } from './venues/ccxtBroker.js';
export { ccxtBarFeed, type CcxtFeedOptions } from './venues/ccxtFeed.js';
export { openCcxtExchange, type CcxtFlags, type CcxtVenueOptions } from './venues/ccxtVenue.js';
export { VenueHttpError, type Backoff, type Pause } from './venues/http.js';
export { type RunnerEvent, type RunnerListener } from './events.js';
export {
  WebhookAlerts,
  parseAlertTarget,
  alertOf,
  type AlertKind,
  type AlertPayload,
  type AlertTarget,
  type AlertStats,
  type WebhookAlertsOptions,
} from './alerts.js';
export { DashboardReader, type DashboardView, type DashboardSeries } from './dashboardState.js';
export { DashboardServer, type DashboardServerOptions } from './dashboardServer.js';
