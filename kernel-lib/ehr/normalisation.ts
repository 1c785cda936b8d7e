/**
 * Per-variable standardisation of hourly grids, z = (x - mean) / std, fitted on the
 * training split only, with the inverse back to clinical units.
 */
import * as tf from '@tensorflow/tfjs';
import { log } from '../util/log';
import { HourlyGrid } from './hourly-grid';
import { TimeSeriesVariable } from './variables';

/** Mean and standard deviation per variable, in clinical units. */
export interface NormalisationStats {
  variables: readonly TimeSeriesVariable[];
  mean: number[];
  /** Population standard deviation; 1 where it is 0 or the variable was never measured. */
  std: number[];
  /** Measured hourly cells behind each mean; 0 marks a variable never measured. */
  count: number[];
}

/**
 * Fits mean and std per variable over the measured cells (mask 1) of the training
 * grid, so forward-filled cells do not count. A variable never measured in training
 * gets mean 0 and std 1, so the transform leaves it unchanged, and a warning is
 * logged. A variable with a single value (MechVent is always 1) gets std 1, so it
 * maps to 0. Accumulates in float64.
 */
export function fitNormalisation(trainGrid: HourlyGrid): NormalisationStats {
  const [patients, hours, numVariables] = trainGrid.shape;
  const sum = new Float64Array(numVariables);
  const sumSq = new Float64Array(numVariables);
  const count = new Float64Array(numVariables);
  const cells = patients * hours;

  // 1. Means.
  for (let c = 0; c < cells; c++) {
    for (let v = 0; v < numVariables; v++) {
      const i = c * numVariables + v;
      if (trainGrid.mask[i] !== 1) continue;
      sum[v] += trainGrid.values[i];
      count[v]++;
    }
  }
  const mean = Array.from(sum, (s, v) => (count[v] > 0 ? s / count[v] : 0));

  // 2. Variances from deviations about the mean (two passes, stable).
  for (let c = 0; c < cells; c++) {
    for (let v = 0; v < numVariables; v++) {
      const i = c * numVariables + v;
      if (trainGrid.mask[i] !== 1) continue;
      const d = trainGrid.values[i] - mean[v];
      sumSq[v] += d * d;
    }
  }
  const std = Array.from(sumSq, (s, v) => {
    const sd = count[v] > 0 ? Math.sqrt(s / count[v]) : 0;
    return sd > 0 ? sd : 1;
  });

  const neverMeasured = trainGrid.variables.filter((_, v) => count[v] === 0);
  if (neverMeasured.length > 0) {
    log.warn(`fitNormalisation: never measured in the training grid, left unscaled (mean 0, std 1): ${neverMeasured.join(', ')}`);
  }
  return { variables: trainGrid.variables, mean, std, count: Array.from(count) };
}

function checkStats(caller: string, grid: HourlyGrid, stats: NormalisationStats): void {
  const same = grid.variables.length === stats.variables.length && grid.variables.every((name, v) => stats.variables[v] === name);
  if (!same) {
    throw new Error(`${caller}: the grid's variables (${grid.variables.join(', ')}) differ from the statistics' (${stats.variables.join(', ')}); fit on a grid with the same variables`);
  }
}

function mapValues(grid: HourlyGrid, stats: NormalisationStats, f: (x: number, v: number) => number): HourlyGrid {
  const numVariables = grid.shape[2];
  const values = new Float32Array(grid.values.length);
  for (let i = 0; i < values.length; i++) values[i] = f(grid.values[i], i % numVariables);
  return { ...grid, values, mask: grid.mask.slice(), recordIds: [...grid.recordIds] };
}

/** Returns a new grid with z = (x - mean) / std per variable; NaN cells stay NaN. */
export function normaliseGrid(grid: HourlyGrid, stats: NormalisationStats): HourlyGrid {
  checkStats('normaliseGrid', grid, stats);
  return mapValues(grid, stats, (x, v) => (x - stats.mean[v]) / stats.std[v]);
}

/** Returns a new grid back in clinical units, x = z * std + mean; NaN cells stay NaN. */
export function denormaliseGrid(grid: HourlyGrid, stats: NormalisationStats): HourlyGrid {
  checkStats('denormaliseGrid', grid, stats);
  return mapValues(grid, stats, (z, v) => z * stats.std[v] + stats.mean[v]);
}

/**
 * Maps a normalised tensor [..., variables] back to clinical units, x = z * std + mean,
 * broadcasting over the last axis. The caller disposes the result.
 */
export function denormaliseTensor(z: tf.Tensor, stats: NormalisationStats): tf.Tensor {
  const numVariables = stats.variables.length;
  if (z.rank < 1 || z.shape[z.rank - 1] !== numVariables) {
    throw new Error(`denormaliseTensor: the last axis must have ${numVariables} variables, got shape [${z.shape.join(', ')}]`);
  }
  return tf.tidy(() => z.mul(tf.tensor1d(stats.std, 'float32')).add(tf.tensor1d(stats.mean, 'float32')));
}
