/** Deterministic synthetic series for benchmarks (a seeded generator, so runs are comparable). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws by Box–Muller. */
export function normals(n: number, seed: number): Float64Array {
  const u = mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const th = 2 * Math.PI * u();
    out[i] = r * Math.cos(th);
    if (i + 1 < n) out[i + 1] = r * Math.sin(th);
  }
  return out;
}

/** A random walk around 100 observed with noise: the local-level model's data. */
export function localLevelSeries(n: number, seed = 1): Float64Array {
  const e = normals(2 * n, seed);
  const out = new Float64Array(n);
  let level = 100;
  for (let t = 0; t < n; t++) {
    level += 0.1 * e[2 * t];
    out[t] = level + 0.5 * e[2 * t + 1];
  }
  return out;
}

/** A cointegrated pair: x a random walk, y = β_t x + α + noise with a slowly drifting β. */
export function pairSeries(n: number, seed = 2): { x: Float64Array; y: Float64Array } {
  const e = normals(3 * n, seed);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  let px = 50;
  let beta = 1.2;
  for (let t = 0; t < n; t++) {
    px = Math.max(1, px + 0.3 * e[3 * t]);
    beta += 1e-4 * e[3 * t + 1];
    x[t] = px;
    y[t] = beta * px + 3 + 0.2 * e[3 * t + 2];
  }
  return { x, y };
}
