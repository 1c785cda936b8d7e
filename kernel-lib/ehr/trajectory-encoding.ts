/**
 * The sample of one patient for a trajectory diffusion model: [hours, channels] with
 * channels = [values of the V variables | mask of the V variables | static features].
 * - values: standardised model units (see value-transform and normalisation), 0 where not
 *   measured, clipped to ±Z_CLIP so that rare extreme readings do not dominate the loss;
 * - mask: +1 measured, −1 not measured, so the model learns when values are measured;
 * - static features (static-features.ts) repeated in every hour.
 */
import { HourlyGrid } from './hourly-grid';
import { NormalisationStats, denormaliseGrid } from './normalisation';
import { NUM_STATIC_FEATURES } from './static-features';
import { toClinicalUnits } from './value-transform';
import { VARIABLE_INFO } from './variables';

/** Standardised values are clipped to [−Z_CLIP, Z_CLIP]. */
export const Z_CLIP = 5;

/** Channels per hour for `numVariables` variables. */
export function trajectoryChannels(numVariables: number): number {
  return 2 * numVariables + NUM_STATIC_FEATURES;
}

/**
 * Encodes a standardised grid and its patients' static features (same patient order) into
 * samples [patients, hours, trajectoryChannels(variables)].
 */
export function encodeTrajectories(grid: HourlyGrid, staticFeatures: Float32Array): Float32Array {
  const [patients, hours, numVariables] = grid.shape;
  if (staticFeatures.length !== patients * NUM_STATIC_FEATURES) {
    throw new Error(
      `encodeTrajectories: ${staticFeatures.length} static values for ${patients} patients; pass [patients, ${NUM_STATIC_FEATURES}] features in the grid's patient order`,
    );
  }
  const channels = trajectoryChannels(numVariables);
  const out = new Float32Array(patients * hours * channels);
  for (let p = 0; p < patients; p++) {
    for (let h = 0; h < hours; h++) {
      const cell = (p * hours + h) * numVariables;
      const row = (p * hours + h) * channels;
      for (let v = 0; v < numVariables; v++) {
        const measured = grid.mask[cell + v] === 1;
        const z = grid.values[cell + v];
        if (measured && !Number.isFinite(z)) {
          throw new Error(`encodeTrajectories: measured value ${z} at patient row ${p}, hour ${h}, variable ${grid.variables[v]}; clean or drop it first`);
        }
        out[row + v] = measured ? Math.min(Z_CLIP, Math.max(-Z_CLIP, z)) : 0;
        out[row + numVariables + v] = measured ? 1 : -1;
      }
      for (let s = 0; s < NUM_STATIC_FEATURES; s++) out[row + 2 * numVariables + s] = staticFeatures[p * NUM_STATIC_FEATURES + s];
    }
  }
  return out;
}

/**
 * Decodes samples [count, hours, channels] into a standardised grid (a cell is measured
 * where its mask channel is > 0; values clipped to ±Z_CLIP, NaN where not measured) and
 * static features [count, NUM_STATIC_FEATURES], each the mean over hours.
 */
export function decodeTrajectories(
  samples: Float32Array,
  count: number,
  template: Pick<HourlyGrid, 'variables'> & { hours: number },
  recordIds: number[],
): { grid: HourlyGrid; staticFeatures: Float32Array } {
  const numVariables = template.variables.length;
  const { hours } = template;
  const channels = trajectoryChannels(numVariables);
  if (samples.length !== count * hours * channels) {
    throw new Error(`decodeTrajectories: ${samples.length} values do not make ${count} samples of [${hours}, ${channels}]; pass the sampler's output for this model`);
  }
  if (recordIds.length !== count) throw new Error(`decodeTrajectories: ${recordIds.length} RecordIDs for ${count} samples; pass one id per sample`);
  const values = new Float32Array(count * hours * numVariables).fill(NaN);
  const mask = new Float32Array(count * hours * numVariables);
  const staticFeatures = new Float32Array(count * NUM_STATIC_FEATURES);
  for (let p = 0; p < count; p++) {
    for (let h = 0; h < hours; h++) {
      const row = (p * hours + h) * channels;
      const cell = (p * hours + h) * numVariables;
      for (let v = 0; v < numVariables; v++) {
        if (samples[row + numVariables + v] > 0) {
          mask[cell + v] = 1;
          values[cell + v] = Math.min(Z_CLIP, Math.max(-Z_CLIP, samples[row + v]));
        }
      }
      for (let s = 0; s < NUM_STATIC_FEATURES; s++) staticFeatures[p * NUM_STATIC_FEATURES + s] += samples[row + 2 * numVariables + s] / hours;
    }
  }
  return { grid: { values, mask, shape: [count, hours, numVariables], recordIds, variables: template.variables }, staticFeatures };
}

/**
 * Standardised model units back to clinical units: undo the standardisation, then the log
 * transform, then clamp measured values into each variable's plausible range (VARIABLE_INFO),
 * so that no generated value is one the cleaning step would have removed.
 */
export function toClinicalGrid(grid: HourlyGrid, stats: NormalisationStats): HourlyGrid {
  const clinical = toClinicalUnits(denormaliseGrid(grid, stats));
  const numVariables = grid.shape[2];
  const ranges = grid.variables.map((name) => VARIABLE_INFO[name].plausibleRange);
  for (let i = 0; i < clinical.values.length; i++) {
    const x = clinical.values[i];
    if (Number.isNaN(x)) continue;
    const [min, max] = ranges[i % numVariables];
    clinical.values[i] = Math.min(max, Math.max(min, x));
  }
  return clinical;
}
