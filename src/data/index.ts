/**
 * The data module's public surface: PriceFrame, the readers, alignment, validation and repairs.
 * @packageDocumentation
 */
export { PriceFrame, FrameError, PRICE_FIELDS, isoTime } from './frame.js';
export type { PriceField, PriceFrameInit } from './frame.js';
export { DataError } from './errors.js';
export type { DataErrorCode } from './errors.js';
export { parseTime } from './time.js';
export {
  readWideCsv,
  readWideCsvSync,
  readLongCsv,
  readLongCsvSync,
  readYahooCsv,
  readYahooCsvSync,
  readFolder,
  readPrices,
} from './readers.js';
export type { FolderReadOptions, FolderResult, PriceFormat } from './readers.js';
export { readParquet } from './parquet.js';
export { symbolOfFile } from './finish.js';
export type { ReadOptions, BarsReadOptions, ReadResult } from './finish.js';
export { alignFrames } from './align.js';
export type { AlignOptions, AlignmentReport, Join, SymbolAlignment } from './align.js';
export { forwardFill } from './repair.js';
export type {
  Repair,
  RepairOptions,
  SortRepair,
  DropDuplicatesRepair,
  NonPositiveRepair,
  ForwardFillRepair,
} from './repair.js';
export { requireRows, pricedRange } from './validate.js';
export {
  tradingCalendar,
  nyseHolidays,
  nyseEarlyCloses,
  CalendarError,
  CALENDAR_NAMES,
  NYSE_YEARS,
} from './calendar.js';
export type { CalendarName, Session, TradingCalendar } from './calendar.js';
export { regularHours, SESSION_HOURS } from './sessions.js';
export type { SessionHours, SessionFilterReport } from './sessions.js';
