/**
 * Entry point of a thread formatting a slice of scan.csv's rows (see csvTable.ts): receives the
 * rows (on shared memory) and a range once, answers with the bytes (transferred), and ends.
 */
import { parentPort } from 'node:worker_threads';
import { formatCsvRows, type CsvRows } from './csvTable.js';

const port = parentPort!;
port.once('message', (m: { rows: CsvRows; from: number; to: number }) => {
  try {
    const b = formatCsvRows(m.rows, m.from, m.to);
    const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    port.postMessage({ type: 'bytes', bytes }, [bytes.buffer as ArrayBuffer]);
  } catch (e) {
    port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
  port.close();
});
