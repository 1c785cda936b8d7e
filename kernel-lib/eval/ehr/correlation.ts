/**
 * Cross-variable structure of hourly grids: each patient is summarised by the mean of each
 * variable over the hours it was measured, and the Pearson correlation matrix of these means
 * across patients is compared between the real and the synthetic grid.
 */
import { HourlyGrid } from '../../ehr/hourly-grid';
import { checkGridPair, checkHourlyGrid } from './marginals';

/** Minimum number of patients with both means for a correlation. With fewer patients it is NaN. */
export const MIN_CORRELATION_PATIENTS = 3;

/** Difference between the real and the synthetic correlation matrix of patient means. */
export interface CorrelationDistance {
  /**
   * Frobenius norm of (real − synthetic) over the entries defined on both sides, both
   * triangles counted: sqrt(2 · Σ_{i<j} d_ij²). NaN when no pair is compared.
   */
  frobenius: number;
  /** Mean of |real − synthetic| over the pairs i < j defined on both sides, or NaN when there are none. */
  meanAbsolute: number;
  /** Variable pairs i < j whose correlation is defined (not NaN) on both sides. */
  pairsCompared: number;
  /** [variables, variables] correlation of the real patient means, NaN where undefined. */
  realMatrix: number[][];
  /** [variables, variables] correlation of the synthetic patient means, NaN where undefined. */
  syntheticMatrix: number[][];
}

/**
 * Computes the mean of each variable over the measured hours (mask 1) of each patient, in
 * clinical units. Returns a Float64Array laid out [patients, variables], NaN where the
 * patient has no measured hour of the variable. Throws `patientMeans: …` for an invalid grid.
 */
export function patientMeans(grid: HourlyGrid): Float64Array {
  checkHourlyGrid('patientMeans', 'grid', grid);
  return computePatientMeans(grid);
}

/**
 * Computes the Pearson correlation between every pair of columns of `rows`, a
 * [numRows, numColumns] row-major array with NaN for a missing entry. Each pair uses the
 * rows where both entries are present (pairwise-complete observations). A pair with fewer
 * than MIN_CORRELATION_PATIENTS such rows, or with a constant column among them, gets NaN.
 * A diagonal entry is 1, or NaN when its column is constant or has fewer present rows.
 * Returns a symmetric [numColumns, numColumns] matrix. Throws `pearsonCorrelationMatrix: …`
 * for a size mismatch or an infinite entry.
 */
export function pearsonCorrelationMatrix(rows: ArrayLike<number>, numRows: number, numColumns: number): number[][] {
  if (!Number.isInteger(numRows) || numRows < 1 || !Number.isInteger(numColumns) || numColumns < 1) {
    throw new Error(`pearsonCorrelationMatrix: \`numRows\` and \`numColumns\` must be positive integers, got ${numRows} and ${numColumns}`);
  }
  if (rows === null || typeof rows !== 'object' || rows.length !== numRows * numColumns) {
    const got = rows === null || typeof rows !== 'object' ? String(rows) : `length ${rows.length}`;
    throw new Error(`pearsonCorrelationMatrix: \`rows\` must have numRows · numColumns = ${numRows * numColumns} entries, got ${got}`);
  }
  for (let i = 0; i < rows.length; i++) {
    if (rows[i] === Infinity || rows[i] === -Infinity) {
      throw new Error(
        `pearsonCorrelationMatrix: \`rows\` contains ${rows[i]} at row ${Math.floor(i / numColumns)}, column ${i % numColumns}; use NaN for a missing entry`,
      );
    }
  }
  return computeCorrelationMatrix(rows, numRows, numColumns);
}

/**
 * Compares the correlation matrices of the patient means of the real and the synthetic grid
 * over the variable pairs defined on both sides. Throws `correlationDistance: …` for invalid
 * grids or grids whose hours or variables differ.
 */
export function correlationDistance(real: HourlyGrid, synthetic: HourlyGrid): CorrelationDistance {
  checkGridPair('correlationDistance', real, synthetic);
  const numVariables = real.shape[2];
  const realMatrix = computeCorrelationMatrix(computePatientMeans(real), real.shape[0], numVariables);
  const syntheticMatrix = computeCorrelationMatrix(computePatientMeans(synthetic), synthetic.shape[0], numVariables);

  let pairsCompared = 0;
  let sumSquares = 0;
  let sumAbsolute = 0;
  for (let i = 0; i < numVariables; i++) {
    for (let j = i + 1; j < numVariables; j++) {
      const difference = realMatrix[i][j] - syntheticMatrix[i][j];
      if (Number.isNaN(difference)) continue;
      pairsCompared++;
      sumSquares += difference * difference;
      sumAbsolute += Math.abs(difference);
    }
  }
  return {
    frobenius: pairsCompared > 0 ? Math.sqrt(2 * sumSquares) : NaN,
    meanAbsolute: pairsCompared > 0 ? sumAbsolute / pairsCompared : NaN,
    pairsCompared,
    realMatrix,
    syntheticMatrix,
  };
}

function computePatientMeans(grid: HourlyGrid): Float64Array {
  const [patients, hours, numVariables] = grid.shape;
  const means = new Float64Array(patients * numVariables);
  const counts = new Float64Array(numVariables);
  for (let p = 0; p < patients; p++) {
    const sums = means.subarray(p * numVariables, (p + 1) * numVariables);
    counts.fill(0);
    for (let h = 0; h < hours; h++) {
      const row = (p * hours + h) * numVariables;
      for (let v = 0; v < numVariables; v++) {
        if (grid.mask[row + v] === 1) {
          sums[v] += grid.values[row + v];
          counts[v]++;
        }
      }
    }
    for (let v = 0; v < numVariables; v++) sums[v] = counts[v] > 0 ? sums[v] / counts[v] : NaN;
  }
  return means;
}

function computeCorrelationMatrix(rows: ArrayLike<number>, numRows: number, numColumns: number): number[][] {
  const matrix = Array.from({ length: numColumns }, () => new Array<number>(numColumns).fill(NaN));
  for (let i = 0; i < numColumns; i++) {
    for (let j = i; j < numColumns; j++) {
      const r = pairwiseCompletePearson(rows, numRows, numColumns, i, j);
      matrix[i][j] = r;
      matrix[j][i] = r;
    }
  }
  return matrix;
}

// Two passes (means, then centred sums) for accuracy. A column counts as constant when its
// minimum equals its maximum over the shared rows, because a float mean of equal values can
// differ from them in the last bit and leave a spurious non-zero variance.
function pairwiseCompletePearson(rows: ArrayLike<number>, numRows: number, numColumns: number, i: number, j: number): number {
  let n = 0;
  let sumX = 0;
  let sumY = 0;
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let r = 0; r < numRows; r++) {
    const x = rows[r * numColumns + i];
    const y = rows[r * numColumns + j];
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    n++;
    sumX += x;
    sumY += y;
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  if (n < MIN_CORRELATION_PATIENTS || minX === maxX || minY === maxY) return NaN;
  if (i === j) return 1;

  const meanX = sumX / n;
  const meanY = sumY / n;
  let covariance = 0;
  let varianceX = 0;
  let varianceY = 0;
  for (let r = 0; r < numRows; r++) {
    const x = rows[r * numColumns + i];
    const y = rows[r * numColumns + j];
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    covariance += (x - meanX) * (y - meanY);
    varianceX += (x - meanX) ** 2;
    varianceY += (y - meanY) ** 2;
  }
  const r = covariance / (Math.sqrt(varianceX) * Math.sqrt(varianceY));
  return Math.max(-1, Math.min(1, r));
}
