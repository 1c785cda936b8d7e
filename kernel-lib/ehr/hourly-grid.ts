/**
 * Hourly binning of PhysioNet 2012 records into a dense grid with a missingness mask.
 *
 * Layout of `values` and `mask`: [patients, hours, variables], row-major, with the
 * variables in TIME_SERIES_VARIABLES order.
 */
import * as tf from '@tensorflow/tfjs';
import { PhysionetRecord } from './physionet-record';
import { TIME_SERIES_VARIABLES, TimeSeriesVariable, timeSeriesIndex } from './variables';

/** Grid lengths supported, in hours from admission. */
export const GRID_HOURS = [24, 48] as const;
export type GridHours = (typeof GRID_HOURS)[number];

export interface HourlyGridOptions {
  /** Hours from admission. Default 48. */
  hours?: GridHours;
  /**
   * Carry the last value forward into later empty hours of the same patient. Hours
   * before the first reading stay NaN, and the mask still marks only measured hours.
   * Default false.
   */
  forwardFill?: boolean;
}

/** Hourly values and mask of a set of patients. */
export interface HourlyGrid {
  /**
   * [patients, hours, variables]. Mean of the hour's readings (sum for Urine), the
   * forward-filled value, or NaN where there is neither.
   */
  values: Float32Array;
  /** [patients, hours, variables]; 1 where the hour has at least one reading, else 0. */
  mask: Float32Array;
  shape: [patients: number, hours: number, variables: number];
  /** RecordID of each patient row. */
  recordIds: number[];
  variables: readonly TimeSeriesVariable[];
}

/** Variables whose hourly value is the sum of the hour's readings, not the mean. */
export const SUMMED_VARIABLES: readonly TimeSeriesVariable[] = ['Urine'];

/**
 * Bins each record's observations into hours: minute m goes to hour floor(m / 60),
 * except that a reading at exactly the end of the grid (48:00, or 24:00 for a
 * 24-hour grid) goes to the last hour. Readings after the end are left out.
 * Throws `buildHourlyGrid: …` for an unsupported `hours`.
 */
export function buildHourlyGrid(records: readonly PhysionetRecord[], options: HourlyGridOptions = {}): HourlyGrid {
  const hours = options.hours ?? 48;
  if (!(GRID_HOURS as readonly number[]).includes(hours)) {
    throw new Error(`buildHourlyGrid: \`hours\` must be one of ${GRID_HOURS.join(', ')}, got ${hours}`);
  }
  const forwardFill = options.forwardFill ?? false;
  const numVariables = TIME_SERIES_VARIABLES.length;
  const numPatients = records.length;
  const size = numPatients * hours * numVariables;
  const summed = new Set(SUMMED_VARIABLES.map(timeSeriesIndex));

  // 1. Accumulate sums and counts per cell, in float64.
  const sums = new Float64Array(size);
  const counts = new Uint32Array(size);
  const endMinute = hours * 60;
  records.forEach((record, p) => {
    for (const observation of record.observations) {
      if (observation.minute > endMinute) continue;
      const hour = Math.min(Math.floor(observation.minute / 60), hours - 1);
      const cell = (p * hours + hour) * numVariables + timeSeriesIndex(observation.variable);
      sums[cell] += observation.value;
      counts[cell]++;
    }
  });

  // 2. Cell value: mean, or sum for summed variables; NaN where nothing was read.
  const values = new Float32Array(size);
  const mask = new Float32Array(size);
  for (let cell = 0; cell < size; cell++) {
    if (counts[cell] === 0) {
      values[cell] = NaN;
      continue;
    }
    mask[cell] = 1;
    values[cell] = summed.has(cell % numVariables) ? sums[cell] : sums[cell] / counts[cell];
  }

  // 3. Optional forward fill along hours, per patient and variable.
  // NOTE: Urine is filled too, so a filled hour repeats the previous hour's volume;
  // models that need hourly totals should read the mask for Urine.
  if (forwardFill) {
    for (let p = 0; p < numPatients; p++) {
      for (let v = 0; v < numVariables; v++) {
        let last = NaN;
        for (let h = 0; h < hours; h++) {
          const cell = (p * hours + h) * numVariables + v;
          if (mask[cell] === 1) last = values[cell];
          else values[cell] = last;
        }
      }
    }
  }

  return {
    values,
    mask,
    shape: [numPatients, hours, numVariables],
    recordIds: records.map((record) => record.recordId),
    variables: TIME_SERIES_VARIABLES,
  };
}

/**
 * Returns a grid of the given patients, in the order of `recordIds`. Throws
 * `selectGridPatients: …` for a RecordID that the grid lacks.
 */
export function selectGridPatients(grid: HourlyGrid, recordIds: readonly number[]): HourlyGrid {
  const [, hours, numVariables] = grid.shape;
  const rowOf = new Map(grid.recordIds.map((id, row) => [id, row]));
  const stride = hours * numVariables;
  const values = new Float32Array(recordIds.length * stride);
  const mask = new Float32Array(recordIds.length * stride);
  recordIds.forEach((id, i) => {
    const row = rowOf.get(id);
    if (row === undefined) throw new Error(`selectGridPatients: RecordID ${id} is not in the grid; pick ids from grid.recordIds`);
    values.set(grid.values.subarray(row * stride, (row + 1) * stride), i * stride);
    mask.set(grid.mask.subarray(row * stride, (row + 1) * stride), i * stride);
  });
  return { values, mask, shape: [recordIds.length, hours, numVariables], recordIds: [...recordIds], variables: grid.variables };
}

/**
 * Turns patient rows `start` … `start + size - 1` of a grid into tensors. Cells
 * without a value (NaN) become `fillValue` (default 0), and the mask is unchanged.
 * Returns `values` and `mask`, each [batch, hours, variables] float32; the caller
 * disposes them. Throws `gridBatchToTensors: …` for a batch outside the grid.
 */
export function gridBatchToTensors(
  grid: HourlyGrid,
  start = 0,
  size = grid.shape[0] - start,
  fillValue = 0,
): { values: tf.Tensor3D; mask: tf.Tensor3D } {
  const [patients, hours, numVariables] = grid.shape;
  if (!Number.isInteger(start) || !Number.isInteger(size) || start < 0 || size < 1 || start + size > patients) {
    throw new Error(`gridBatchToTensors: batch [${start}, ${start + size}) must lie inside the grid's ${patients} patients with size >= 1`);
  }
  if (!Number.isFinite(fillValue)) {
    throw new Error(`gridBatchToTensors: \`fillValue\` must be finite, got ${fillValue}`);
  }
  const stride = hours * numVariables;
  const values = grid.values.slice(start * stride, (start + size) * stride);
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) values[i] = fillValue;
  const mask = grid.mask.slice(start * stride, (start + size) * stride);
  return {
    values: tf.tensor3d(values, [size, hours, numVariables], 'float32'),
    mask: tf.tensor3d(mask, [size, hours, numVariables], 'float32'),
  };
}
