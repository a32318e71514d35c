/**
 * Parquet files, read with hyparquet (pure JavaScript). The layout is taken from the column names
 * as for CSV: a `symbol` column or only price-field columns mean bars, anything else a wide
 * table. Dates may be Parquet DATE or TIMESTAMP columns, or `YYYY-MM-DD` / ISO text; integer
 * dates are refused (their unit is not knowable).
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { fileError } from './csv.js';
import { DataError } from './errors.js';
import {
  finishTable,
  symbolOfFile,
  type BarsReadOptions,
  type Coordinates,
  type ReadResult,
} from './finish.js';
import { BarsBuilder, isBarsHeader, Located, WideBuilder, type Builder, type Cell } from './table.js';

function parquetCoordinates(file: string, names: readonly string[]): Coordinates {
  const where = (record: number) => (record === 0 ? 'the schema' : `row ${record}`);
  return {
    where,
    number: (record) => record,
    error: (e) => {
      if (!(e instanceof Located)) return e;
      const place =
        e.record < 0 ? '' : `${where(e.record)}${e.field >= 0 ? `, column "${names[e.field]}"` : ''}: `;
      return new DataError(place + e.render(where), file, undefined, undefined, e.code);
    },
  };
}

/**
 * Reads a Parquet file (long, single-symbol or wide layout; see the module notes) into a frame.
 * Locations in messages are 1-based data rows and column names: `file: row 12, column "close": …`.
 * @throws DataError for a missing or invalid file and for every validation rule of the CSV readers.
 */
export async function readParquet(file: string, options: BarsReadOptions = {}): Promise<ReadResult> {
  let buffer;
  try {
    buffer = await asyncBufferFromFile(file);
  } catch (e) {
    throw fileError(e, file) ?? e;
  }
  let metadata;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (e) {
    throw new DataError(
      `not a readable Parquet file (${(e as Error).message})`,
      file,
      undefined,
      undefined,
      'malformed-parquet',
    );
  }
  const names = parquetSchema(metadata).children.map((c) => c.element.name);
  const c = parquetCoordinates(file, names);
  let builder: Builder;
  try {
    builder = isBarsHeader(names)
      ? new BarsBuilder(names, {
          symbol: options.symbol ?? symbolOfFile(file),
          ...(options.symbols === undefined ? {} : { symbols: options.symbols }),
          adjusted: options.adjusted ?? true,
          dropNonPositive: options.repair?.dropNonPositive ?? false,
        })
      : new WideBuilder(names, options.symbols, options.repair?.dropNonPositive);
    const rows = (await parquetReadObjects({ file: buffer, metadata })) as Record<string, Cell>[];
    const cells: Cell[] = new Array<Cell>(names.length);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      for (let k = 0; k < names.length; k++) cells[k] = row[names[k]];
      builder.row(cells, r + 1);
    }
  } catch (e) {
    throw c.error(e);
  }
  return finishTable(builder, file, options, c);
}
