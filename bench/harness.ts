/**
 * Minimal benchmark harness: run a case several times, report the median with min–max
 * and the target beside it. Benchmarks compare ratios within one run; absolute figures
 * on a shared 2-core machine are noisy.
 */
export interface BenchCase {
  /** Printed name of the case. */
  name: string;
  /** Number of steps (or calls) one run performs; the result is reported per step. */
  steps: number;
  /** Unit to report: nanoseconds per step, microseconds per run, or milliseconds per run. */
  unit: 'ns/step' | 'ns/call' | 'µs' | 'ms' | 's';
  /** Target in the same unit; the line says whether the median meets it. */
  target: number;
  /** Extra context printed after the target (e.g. the pykalman figure). */
  note?: string;
  /** Runs once per measurement; returns something so the work cannot be optimised away. */
  run: () => unknown;
  /** Measured runs (default 9). */
  runs?: number;
  /** Unmeasured warm-up runs first (default 10). */
  warmup?: number;
}

export interface BenchResult {
  name: string;
  median: number;
  min: number;
  max: number;
  unit: BenchCase['unit'];
  target: number;
  ok: boolean;
}

let sink: unknown;

function scale(ns: number, c: BenchCase): number {
  switch (c.unit) {
    case 'ns/step':
    case 'ns/call':
      return ns / c.steps;
    case 'µs':
      return ns / 1e3;
    case 'ms':
      return ns / 1e6;
    case 's':
      return ns / 1e9;
  }
}

function fmt(x: number): string {
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

/** Runs one case and prints one line: name, median (min–max), target, verdict. */
export function bench(c: BenchCase): BenchResult {
  const runs = c.runs ?? 9;
  // Warm-up: let V8 reach its optimising tier before anything is timed.
  for (let i = 0; i < (c.warmup ?? 10); i++) sink = c.run();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    sink = c.run();
    const t1 = process.hrtime.bigint();
    samples.push(scale(Number(t1 - t0), c));
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)];
  const min = samples[0];
  const max = samples[samples.length - 1];
  const ok = median <= c.target;
  const line =
    `${c.name.padEnd(58)} ${fmt(median).padStart(9)} ${c.unit.padEnd(7)} ` +
    `(min ${fmt(min)} – max ${fmt(max)}, ${runs} runs)  target ≤ ${fmt(c.target)} ${c.unit}  ${ok ? 'OK' : 'MISSED'}` +
    (c.note ? `  [${c.note}]` : '');
  console.log(line);
  return { name: c.name, median, min, max, unit: c.unit, target: c.target, ok };
}

/** Keeps the last result reachable so that V8 cannot drop the benchmarked work. */
export function lastSink(): unknown {
  return sink;
}
