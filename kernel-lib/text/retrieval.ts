/**
 * Retrieval metrics for image–text embeddings, computed in float64 on the host.
 * Embeddings are row-major [count, dim]; similarity is the cosine, so rows need not be
 * normalised. Ranking ties go to the lower gallery index, so results are deterministic.
 */

export const DEFAULT_RETRIEVAL_KS: readonly number[] = [1, 5, 10];

export interface AtKValue {
  k: number;
  value: number;
}

export interface LabelAgreement {
  /** For each k: the mean over queries of the fraction of the k nearest gallery items with the query's label. */
  atK: AtKValue[];
  /**
   * Expected agreement of a random ranking: the mean over queries of the share of the gallery
   * that has the query's label.
   */
  chance: number;
}

/** Returns the rows of `embeddings` scaled to unit L2 norm, in float64; throws on NaN, infinity or a zero row. */
function normalizedRows(owner: string, arrayName: string, embeddings: ArrayLike<number>, dim: number): { rows: Float64Array; count: number } {
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`${owner}: dim must be an integer >= 1, got ${dim}`);
  if (embeddings.length % dim !== 0) {
    throw new Error(`${owner}: ${arrayName} has ${embeddings.length} values, not a multiple of dim ${dim}; pass embeddings [count, ${dim}]`);
  }
  const count = embeddings.length / dim;
  const rows = new Float64Array(embeddings.length);
  for (let i = 0; i < count; i++) {
    let sumOfSquares = 0;
    for (let d = 0; d < dim; d++) {
      const value = embeddings[i * dim + d];
      if (!Number.isFinite(value)) throw new Error(`${owner}: ${arrayName} row ${i} contains ${value}; check the encoder output`);
      sumOfSquares += value * value;
    }
    if (sumOfSquares === 0) throw new Error(`${owner}: ${arrayName} row ${i} is all zeros and has no direction for the cosine`);
    const scale = 1 / Math.sqrt(sumOfSquares);
    for (let d = 0; d < dim; d++) rows[i * dim + d] = embeddings[i * dim + d] * scale;
  }
  return { rows, count };
}

function checkKs(owner: string, ks: readonly number[], gallerySize: number): void {
  if (!Array.isArray(ks) || ks.length === 0) throw new Error(`${owner}: ks must be a non-empty list of integers, got ${JSON.stringify(ks)}`);
  for (const k of ks) {
    if (!Number.isInteger(k) || k < 1 || k > gallerySize) {
      throw new Error(`${owner}: every k must be an integer in [1, ${gallerySize}] (the gallery size), got ${k}; drop larger ks for small galleries`);
    }
  }
}

/** Returns the indices of the `k` gallery rows most similar to query `q`, best first. */
function nearest(query: Float64Array, q: number, gallery: Float64Array, galleryCount: number, dim: number, k: number): number[] {
  const similarity = new Float64Array(galleryCount);
  for (let g = 0; g < galleryCount; g++) {
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += query[q * dim + d] * gallery[g * dim + d];
    similarity[g] = dot;
  }
  const order = Array.from({ length: galleryCount }, (_, g) => g);
  order.sort((a, b) => similarity[b] - similarity[a] || a - b);
  return order.slice(0, k);
}

/**
 * Label agreement at k: for each query, the fraction of its k nearest gallery items (cosine)
 * whose label equals the query's label, averaged over queries. queryLabels [queryCount],
 * galleryLabels [galleryCount].
 */
export function labelAgreementAtK(
  queryEmbeddings: ArrayLike<number>,
  galleryEmbeddings: ArrayLike<number>,
  dim: number,
  queryLabels: ArrayLike<number>,
  galleryLabels: ArrayLike<number>,
  ks: readonly number[] = DEFAULT_RETRIEVAL_KS,
): LabelAgreement {
  const owner = 'labelAgreementAtK';
  const query = normalizedRows(owner, 'queryEmbeddings', queryEmbeddings, dim);
  const gallery = normalizedRows(owner, 'galleryEmbeddings', galleryEmbeddings, dim);
  if (queryLabels.length !== query.count) throw new Error(`${owner}: ${queryLabels.length} query labels for ${query.count} queries; give one label per query`);
  if (galleryLabels.length !== gallery.count) {
    throw new Error(`${owner}: ${galleryLabels.length} gallery labels for ${gallery.count} gallery items; give one label per item`);
  }
  if (query.count === 0) throw new Error(`${owner}: no queries; pass at least one query embedding`);
  checkKs(owner, ks, gallery.count);

  const galleryLabelCounts = new Map<number, number>();
  for (let g = 0; g < gallery.count; g++) galleryLabelCounts.set(galleryLabels[g], (galleryLabelCounts.get(galleryLabels[g]) ?? 0) + 1);
  const maxK = Math.max(...ks);
  const sums = new Float64Array(ks.length);
  let chanceSum = 0;
  for (let q = 0; q < query.count; q++) {
    const ranked = nearest(query.rows, q, gallery.rows, gallery.count, dim, maxK);
    ks.forEach((k, i) => {
      let matches = 0;
      for (let r = 0; r < k; r++) if (galleryLabels[ranked[r]] === queryLabels[q]) matches += 1;
      sums[i] += matches / k;
    });
    chanceSum += (galleryLabelCounts.get(queryLabels[q]) ?? 0) / gallery.count;
  }
  return { atK: ks.map((k, i) => ({ k, value: sums[i] / query.count })), chance: chanceSum / query.count };
}

/**
 * Recall at k for exact pairs: the fraction of queries whose match, gallery row i for query
 * row i, is among the k nearest gallery items (cosine). Query and gallery have the same count.
 */
export function recallAtK(
  queryEmbeddings: ArrayLike<number>,
  galleryEmbeddings: ArrayLike<number>,
  dim: number,
  ks: readonly number[] = DEFAULT_RETRIEVAL_KS,
): AtKValue[] {
  const owner = 'recallAtK';
  const query = normalizedRows(owner, 'queryEmbeddings', queryEmbeddings, dim);
  const gallery = normalizedRows(owner, 'galleryEmbeddings', galleryEmbeddings, dim);
  if (query.count !== gallery.count) {
    throw new Error(`${owner}: ${query.count} queries and ${gallery.count} gallery items; exact pairs need the same count (query i matches gallery i)`);
  }
  if (query.count === 0) throw new Error(`${owner}: no queries; pass at least one query embedding`);
  checkKs(owner, ks, gallery.count);

  const maxK = Math.max(...ks);
  const hits = new Float64Array(ks.length);
  for (let q = 0; q < query.count; q++) {
    const rank = nearest(query.rows, q, gallery.rows, gallery.count, dim, maxK).indexOf(q);
    ks.forEach((k, i) => {
      if (rank >= 0 && rank < k) hits[i] += 1;
    });
  }
  return ks.map((k, i) => ({ k, value: hits[i] / query.count }));
}
