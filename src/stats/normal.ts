/** The standard normal distribution, accurate far into the tails (p-values down to 1e-300). */
import erfc from '@stdlib/math-base-special-erfc';

/**
 * Standard normal CDF Φ(z) = erfc(−z/√2)/2. Computed from an accurate erfc (FreeBSD msun via
 * `@stdlib/math-base-special-erfc`), never as `1 − erf`, so Φ(−10) ≈ 7.6e-24 keeps full
 * relative precision.
 */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z * Math.SQRT1_2);
}

/** Standard normal survival function 1 − Φ(z) = erfc(z/√2)/2, accurate for large z. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z * Math.SQRT1_2);
}

/**
 * Standard normal quantile Φ⁻¹(p) for 0 < p < 1 (±Infinity at 0 and 1, NaN outside): Acklam's
 * rational approximation (relative error 1.15e-9), then one Halley step on Φ(x) − p, which
 * brings it to double precision.
 */
export function normalPpf(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log1p(-p));
    x =
      -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // Halley: e = Φ(x) − p (from the accurate tail on the side of x), u = e·√(2π)·exp(x²/2)
  const e = x < 0 ? normalCdf(x) - p : p > 0.5 ? 1 - p - normalSf(x) : normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}
