/**
 * What a running paper engine tells its watchers (the dashboard, the alerts) as it happens. The
 * journal is the record; these are notices sent after the journal holds what they speak of, so
 * a watcher that reads the journal on a notice finds it there. A watcher never slows or stops
 * the engine: the runner calls it synchronously, catches what it throws, and a watcher with
 * slow work (a network call) queues it.
 */
import type { FillRow } from './journal.js';
import type { DeskAction } from './desk.js';
import type { Mismatch } from './runner.js';

/** One notice from the runner. Times are epoch ms; `time` is the bar's, `at` the clock's. */
export type RunnerEvent =
  /** A bar and everything decided on it were journaled. */
  | { kind: 'bar'; seq: number; time: number; at: number }
  /** A fill was journaled. */
  | { kind: 'fill'; fill: FillRow; at: number }
  /** The order gate changed a target (a risk limit, the kill switch, a stale bar, a missing leg). */
  | { kind: 'risk'; action: DeskAction; time: number; at: number }
  /** No bar for longer than `risk.staleAfterMs` (once per silence). */
  | { kind: 'feed-stale'; silentMs: number; limitMs: number; time: number | null; at: number }
  /** The broker disagreed with the journal: the run halted. */
  | { kind: 'halt'; difference: string; mismatch: Mismatch; time: number | null; at: number }
  /** The kill switch was thrown. */
  | { kind: 'kill'; reason: string; at: number }
  /** An account's equity reached zero (`sleeve` null for a single strategy). */
  | { kind: 'ruined'; sleeve: number | null; equity: number; time: number; at: number };

/** A watcher of a {@link RunnerEvent} stream. */
export type RunnerListener = (event: RunnerEvent) => void;
