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
