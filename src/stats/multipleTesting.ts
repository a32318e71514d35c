/**
 * Multiple-testing corrections: when thousands of pairs are tested, some pass any fixed
 * p-value threshold by chance alone; these control the share of false discoveries.
 */

/**
 * Benjamini-Hochberg q-values (adjusted p-values) of `p`, in the input's order: q_(i) =
 * min over j ≥ i of p_(j) · m / j for the p-values sorted ascending, capped at 1. Rejecting every
 * hypothesis with q ≤ α controls the false discovery rate at α (Benjamini and Hochberg 1995,
 * for independent or positively dependent tests). A NaN p-value gets a NaN q-value and does not
 * count among the m tests.
 */
export function benjaminiHochberg(p: ArrayLike<number>): Float64Array {
  const q = new Float64Array(p.length).fill(NaN);
  const idx: number[] = [];
  for (let i = 0; i < p.length; i++) if (!Number.isNaN(p[i])) idx.push(i);
  idx.sort((a, b) => p[a] - p[b] || a - b);
  const m = idx.length;
  let min = 1;
  for (let r = m - 1; r >= 0; r--) {
    const v = (p[idx[r]] * m) / (r + 1);
    if (v < min) min = v;
    q[idx[r]] = min;
  }
  return q;
}
