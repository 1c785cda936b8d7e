/**
 * Reconstruction quality of the EHR VAE: each patient is encoded to its posterior mean and
 * decoded again, and the result is compared with the input in clinical units.
 */
import { HourlyGrid } from './hourly-grid';
import { NormalisationStats, denormaliseGrid } from './normalisation';
import { EhrVae, decodeLatents, encodeGrid, validateEhrVae, validateVaeGrid } from './vae-trainer';
import { TimeSeriesVariable } from './variables';

/** Probability at or above which a reconstructed cell counts as measured. */
export const MASK_THRESHOLD = 0.5;

/** Reconstruction error of one variable. */
export interface VariableReconstructionError {
  variable: TimeSeriesVariable;
  /** Measured cells (mask 1) of the variable in the input grid. */
  measuredCells: number;
  /** Root mean squared error over the measured cells, in clinical units, or NaN without measured cells. */
  rmse: number;
  /** Mean absolute error over the measured cells, in clinical units, or NaN without measured cells. */
  mae: number;
  /** Fraction of all the variable's cells whose thresholded reconstructed mask equals the input mask. */
  maskAccuracy: number;
  /** Fraction of the variable's cells measured in the input. */
  measuredRate: number;
  /** Fraction of the variable's cells whose reconstructed mask probability is >= MASK_THRESHOLD. */
  reconstructedMeasuredRate: number;
  /** reconstructedMeasuredRate − measuredRate. */
  measuredRateDifference: number;
}

/** Figures pooled over all variables. Value errors are in standard deviations, because units differ per variable. */
export interface OverallReconstructionError {
  measuredCells: number;
  /** RMSE over all measured cells of the normalised values (clinical error / std of the variable). */
  normalisedRmse: number;
  /** MAE over all measured cells of the normalised values. */
  normalisedMae: number;
  maskAccuracy: number;
  measuredRate: number;
  reconstructedMeasuredRate: number;
  /** Mean over variables of |measuredRateDifference|. */
  meanAbsoluteMeasuredRateDifference: number;
}

export interface VaeReconstructionReport {
  /** One row per variable, in the grid's order. */
  variables: VariableReconstructionError[];
  overall: OverallReconstructionError;
}

function checkStats(grid: HourlyGrid, stats: NormalisationStats): void {
  const variables = grid.shape[2];
  const ok =
    stats &&
    Array.isArray(stats.variables) &&
    stats.variables.length === variables &&
    stats.mean?.length === variables &&
    stats.std?.length === variables &&
    (grid.variables ?? []).every((name, v) => stats.variables[v] === name);
  if (!ok) {
    throw new Error(
      `vaeReconstructionError: stats must contain mean and std for the grid's ${variables} variables (${(grid.variables ?? []).join(', ')}), ` +
        `got variables ${stats?.variables?.join(', ')}; pass the NormalisationStats the grid was normalised with`,
    );
  }
  const badStd = stats.std.findIndex((s) => !(Number.isFinite(s) && s > 0));
  if (badStd >= 0) throw new Error(`vaeReconstructionError: stats.std of ${stats.variables[badStd]} is ${stats.std[badStd]}; it must be a positive number`);
}

/**
 * Reconstructs a normalised grid through the VAE's posterior means and returns, per variable,
 * the RMSE and MAE over measured cells in clinical units, the accuracy of the reconstructed
 * mask thresholded at MASK_THRESHOLD, and the measured rates of input and reconstruction.
 * `stats` are the statistics the grid was normalised with.
 */
export function vaeReconstructionError(vae: EhrVae, grid: HourlyGrid, stats: NormalisationStats, batchSize = 256): VaeReconstructionReport {
  validateEhrVae('vaeReconstructionError', vae);
  validateVaeGrid('vaeReconstructionError', grid, vae.config);
  checkStats(grid, stats);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`vaeReconstructionError: batchSize must be an integer >= 1, got ${batchSize}`);
  const [patients, hours, numVariables] = grid.shape;

  // 1. Reconstruct from the posterior means, then both grids back to clinical units.
  const latents = encodeGrid(vae, grid, batchSize);
  const decoded = decodeLatents(vae, latents, patients, batchSize);
  const reconstructedMask = decoded.maskProbability.map((p) => (p >= MASK_THRESHOLD ? 1 : 0));
  const input = denormaliseGrid(grid, stats);
  const reconstruction = denormaliseGrid({ ...grid, values: decoded.values, mask: reconstructedMask }, stats);

  // 2. Sums per variable, in float64.
  const measured = new Float64Array(numVariables);
  const squaredError = new Float64Array(numVariables);
  const absoluteError = new Float64Array(numVariables);
  const maskMatches = new Float64Array(numVariables);
  const reconstructedMeasured = new Float64Array(numVariables);
  let normalisedSquaredError = 0;
  let normalisedAbsoluteError = 0;
  const cells = patients * hours * numVariables;
  for (let cell = 0; cell < cells; cell++) {
    const v = cell % numVariables;
    const m = grid.mask[cell];
    if (reconstructedMask[cell] === m) maskMatches[v]++;
    if (reconstructedMask[cell] === 1) reconstructedMeasured[v]++;
    if (m !== 1) continue;
    measured[v]++;
    const error = reconstruction.values[cell] - input.values[cell];
    squaredError[v] += error * error;
    absoluteError[v] += Math.abs(error);
    const normalisedError = decoded.values[cell] - grid.values[cell];
    normalisedSquaredError += normalisedError * normalisedError;
    normalisedAbsoluteError += Math.abs(normalisedError);
  }

  // 3. Per-variable rows, then pooled figures.
  const cellsPerVariable = patients * hours;
  const rows: VariableReconstructionError[] = grid.variables.map((variable, v) => {
    const measuredRate = measured[v] / cellsPerVariable;
    const reconstructedMeasuredRate = reconstructedMeasured[v] / cellsPerVariable;
    return {
      variable,
      measuredCells: measured[v],
      rmse: measured[v] > 0 ? Math.sqrt(squaredError[v] / measured[v]) : NaN,
      mae: measured[v] > 0 ? absoluteError[v] / measured[v] : NaN,
      maskAccuracy: maskMatches[v] / cellsPerVariable,
      measuredRate,
      reconstructedMeasuredRate,
      measuredRateDifference: reconstructedMeasuredRate - measuredRate,
    };
  });
  const sum = (array: Float64Array) => array.reduce((a, b) => a + b, 0);
  const totalMeasured = sum(measured);
  return {
    variables: rows,
    overall: {
      measuredCells: totalMeasured,
      normalisedRmse: totalMeasured > 0 ? Math.sqrt(normalisedSquaredError / totalMeasured) : NaN,
      normalisedMae: totalMeasured > 0 ? normalisedAbsoluteError / totalMeasured : NaN,
      maskAccuracy: sum(maskMatches) / cells,
      measuredRate: totalMeasured / cells,
      reconstructedMeasuredRate: sum(reconstructedMeasured) / cells,
      meanAbsoluteMeasuredRateDifference: rows.reduce((a, row) => a + Math.abs(row.measuredRateDifference), 0) / numVariables,
    },
  };
}
