/**
 * Percentiles by linear interpolation between order statistics, numpy's default ('linear'
 * method, Hyndman and Fan type 7): for sorted values x[0] ≤ … ≤ x[n−1] and p in [0, 100],
 *   h = (n − 1) p / 100,   percentile = x[⌊h⌋] + (h − ⌊h⌋) (x[⌊h⌋ + 1] − x[⌊h⌋]).
 */

/** Returns the p-th percentile of `values` (see the file comment). Throws on empty or non-finite input. */
export function percentile(values: ArrayLike<number>, p: number): number {
  return percentiles(values, [p])[0];
}

/** Returns the percentiles at each of `ps` with one sort, `[ps.length]`. */
export function percentiles(values: ArrayLike<number>, ps: readonly number[]): number[] {
  if (values.length === 0) throw new Error('percentile: `values` is empty; pass at least one value');
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new Error(`percentile: \`values[${i}]\` must be finite, got ${values[i]}`);
    }
  }
  for (const p of ps) {
    if (typeof p !== 'number' || !(p >= 0 && p <= 100)) {
      throw new Error(`percentile: \`p\` must be a number in [0, 100], got ${p}`);
    }
  }
  const sorted = Float64Array.from(values).sort();
  return ps.map((p) => {
    const h = ((sorted.length - 1) * p) / 100;
    const lower = Math.floor(h);
    const upper = Math.min(lower + 1, sorted.length - 1);
    return sorted[lower] + (h - lower) * (sorted[upper] - sorted[lower]);
  });
}
