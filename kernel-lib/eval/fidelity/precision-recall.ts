/**
 * Precision and recall of a generative model by k-nearest-neighbour manifolds (Kynkäänniemi et
 * al. 2019, "Improved precision and recall metric for assessing generative models").
 *
 * The manifold of a set Φ is the union of balls, one around each φ ∈ Φ, with radius the
 * distance from φ to its k-th nearest OTHER member of Φ. A duplicate row counts as a neighbour
 * at distance 0. A vector is inside the manifold when it lies within (≤) the radius of at least
 * one ball.
 *
 *   precision = share of generated vectors inside the manifold of the real ones (fidelity);
 *   recall    = share of real vectors inside the manifold of the generated ones (coverage).
 *
 * Distances are Euclidean, computed exactly in float64 by brute force: O(n m d) time, which
 * suits the few thousand images per class of this project.
 */
import { FeatureRows, checkFeatureRows, checkSameFeatureCount, squaredDistance } from './feature-rows';

export const DEFAULT_NEIGHBOURHOOD_SIZE = 3;

export interface ManifoldPrecisionRecall {
  precision: number;
  recall: number;
  k: number;
  /** For each generated vector, whether it is inside the real manifold, `[generated.count]`. */
  generatedInsideReal: Uint8Array;
  /** For each real vector, whether it is inside the generated manifold, `[real.count]`. */
  realInsideGenerated: Uint8Array;
}

/**
 * Computes the distance from every row of `rows` to its k-th nearest other row, in float64,
 * `[rows.count]`. Needs more than k rows.
 */
export function kthNeighbourRadii(rows: FeatureRows, k = DEFAULT_NEIGHBOURHOOD_SIZE): Float64Array {
  checkNeighbourhoodSize('kthNeighbourRadii', k);
  checkFeatureRows('kthNeighbourRadii', 'rows', rows, k + 1);
  return Float64Array.from(kthSquaredDistances(rows, rows, k, true), Math.sqrt);
}

/**
 * Computes the distance from every row of `queries` to its k-th nearest row of `reference`,
 * `[queries.count]`. This is the outlier score of a generated sample against the real set:
 * large values lie far from every real sample.
 */
export function kthNeighbourDistances(queries: FeatureRows, reference: FeatureRows, k = DEFAULT_NEIGHBOURHOOD_SIZE): Float64Array {
  checkNeighbourhoodSize('kthNeighbourDistances', k);
  checkFeatureRows('kthNeighbourDistances', 'queries', queries, 1);
  checkFeatureRows('kthNeighbourDistances', 'reference', reference, k);
  checkSameFeatureCount('kthNeighbourDistances', ['queries', queries], ['reference', reference]);
  return Float64Array.from(kthSquaredDistances(queries, reference, k, false), Math.sqrt);
}

/**
 * Squared distance from each query row to its k-th nearest reference row. With `excludeSelf`
 * (queries === reference), a row is not its own neighbour.
 */
function kthSquaredDistances(queries: FeatureRows, reference: FeatureRows, k: number, excludeSelf: boolean): Float64Array {
  const out = new Float64Array(queries.count);
  const nearest = new Float64Array(k);
  for (let i = 0; i < queries.count; i++) {
    // The k smallest squared distances so far, in increasing order.
    nearest.fill(Infinity);
    for (let j = 0; j < reference.count; j++) {
      if (excludeSelf && j === i) continue;
      const distance = squaredDistance(queries, i, reference, j);
      if (!(distance < nearest[k - 1])) continue;
      let position = k - 1;
      while (position > 0 && nearest[position - 1] > distance) {
        nearest[position] = nearest[position - 1];
        position--;
      }
      nearest[position] = distance;
    }
    out[i] = nearest[k - 1];
  }
  return out;
}

/** Marks each query row that lies within the radius of some manifold row, `[queries.count]`. */
function insideManifold(queries: FeatureRows, manifold: FeatureRows, squaredRadii: Float64Array): Uint8Array {
  const inside = new Uint8Array(queries.count);
  for (let i = 0; i < queries.count; i++) {
    for (let j = 0; j < manifold.count; j++) {
      if (squaredDistance(queries, i, manifold, j) <= squaredRadii[j]) {
        inside[i] = 1;
        break;
      }
    }
  }
  return inside;
}

function share(flags: Uint8Array): number {
  let sum = 0;
  for (const flag of flags) sum += flag;
  return sum / flags.length;
}

function checkNeighbourhoodSize(caller: string, k: number): void {
  if (!Number.isInteger(k) || k < 1) {
    throw new Error(`${caller}: \`k\` must be an integer >= 1 (default ${DEFAULT_NEIGHBOURHOOD_SIZE}), got ${k}`);
  }
}

/**
 * Computes k-NN manifold precision and recall of `generated` against `real` (see the file
 * comment). Both sets are `[count, numFeatures]` with more than k rows each.
 */
export function manifoldPrecisionRecall(real: FeatureRows, generated: FeatureRows, k = DEFAULT_NEIGHBOURHOOD_SIZE): ManifoldPrecisionRecall {
  checkNeighbourhoodSize('manifoldPrecisionRecall', k);
  checkFeatureRows('manifoldPrecisionRecall', 'real', real, k + 1);
  checkFeatureRows('manifoldPrecisionRecall', 'generated', generated, k + 1);
  checkSameFeatureCount('manifoldPrecisionRecall', ['real', real], ['generated', generated]);

  // Squared radii are compared with squared distances, so no square root enters a comparison.
  const realRadii = kthSquaredDistances(real, real, k, true);
  const generatedRadii = kthSquaredDistances(generated, generated, k, true);
  const generatedInsideReal = insideManifold(generated, real, realRadii);
  const realInsideGenerated = insideManifold(real, generated, generatedRadii);
  return {
    precision: share(generatedInsideReal),
    recall: share(realInsideGenerated),
    k,
    generatedInsideReal,
    realInsideGenerated,
  };
}
