/**
 * `scan` and `sweep` from a run spec: the universe (or pair) named by the config file or the
 * flags, read once, and the spec resolved against it.
 */
import { readPrices } from '../data/readers.js';
import { type PriceFrame } from '../data/frame.js';
import { type Repair } from '../data/repair.js';
import { ConfigError, resolveRunSpec, type RunSpec, type RunSpecLayers } from './spec.js';
import { flagOf } from './flags.js';
import { sessionBars } from './run.js';
import type { SessionFilterReport } from '../data/sessions.js';

/** A scan's or sweep's data and resolved spec. */
export interface ScanRun {
  frame: PriceFrame;
  repairs: Repair[];
  spec: RunSpec & { data: string };
  /** What `session: 'rth'` kept (absent: every bar was kept). */
  sessions?: SessionFilterReport;
}

/**
 * Reads the data a scan or sweep spec names (non-positive prices dropped, and reported, as
 * well as any repair the spec asks for) and resolves the spec: without opens in the data the
 * execution defaults to the next close.
 * @throws ConfigError when no data is named, or the spec has paper-only sections.
 */
export async function loadScanRun(
  layers: RunSpecLayers,
  command: 'scan' | 'sweep' | 'portfolio',
): Promise<ScanRun> {
  const data = layers.flags?.data ?? layers.file?.data;
  if (data === undefined)
    throw new ConfigError(
      `${flagOf('data')}: ${command} needs the data: give ${flagOf('data')} PATH, or "data" in --config`,
    );
  const at = layers.source ? `${layers.source}: ` : '';
  for (const key of ['orders', 'risk', 'pairing', 'broker'] as const)
    if (layers.file?.[key] !== undefined)
      throw new ConfigError(
        `${at}${key}: applies to paper trading only (a ${command} fills every target as given)`,
      );
  const repair = { dropNonPositive: true, ...layers.file?.repair, ...layers.flags?.repair };
  const read = await readPrices(data, { repair });
  const repairs = read.repairs;
  const all = read.frame;
  const legs = layers.flags?.symbols ?? layers.file?.symbols ?? all.symbols;
  const hasOpen = legs.every((s) => !all.symbols.includes(s) || all.has(s, 'open'));
  const spec = resolveRunSpec(layers, {
    preset: () => 'kalman-pair',
    ...(hasOpen ? {} : { options: { execution: 'next-close' } }),
  });
  const { frame, sessions } = sessionBars(all, spec);
  return { frame, repairs, spec: { ...spec, data }, ...(sessions ? { sessions } : {}) };
}
