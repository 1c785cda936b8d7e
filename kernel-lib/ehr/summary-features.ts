/**
 * Per-patient summary features of an hourly grid, the usual input of mortality models on
 * PhysioNet 2012: for every variable the number of measured hours and the mean, minimum,
 * maximum and last of the hourly values (NaN when never measured), plus age (numeric), sex
 * and ICU type (categorical). Height and weight descriptors are left out because the
 * generators do not model them (weight is also a time series).
 */
import { Table } from '../eval/tabular/table';
import { HourlyGrid } from './hourly-grid';
import { PhysionetDescriptors } from './physionet-record';

export const SUMMARY_STATISTICS = ['count', 'mean', 'min', 'max', 'last'] as const;

function genderCategory(gender: number | null): string {
  if (gender === null) return 'unknown';
  return gender === 1 ? 'male' : 'female';
}

/** Builds the summary table of `grid` (clinical units) and the descriptors in its patient order. */
export function summaryFeatureTable(grid: HourlyGrid, descriptors: readonly PhysionetDescriptors[]): Table {
  const [patients, hours, numVariables] = grid.shape;
  if (descriptors.length !== patients) {
    throw new Error(`summaryFeatureTable: ${descriptors.length} descriptor rows for ${patients} patients; pass them in the grid's patient order`);
  }
  const numeric: Record<string, Float64Array> = {};
  const columns = grid.variables.map((name) =>
    SUMMARY_STATISTICS.map((stat) => (numeric[`${name}_${stat}`] = new Float64Array(patients).fill(NaN))),
  );
  for (let p = 0; p < patients; p++) {
    for (let v = 0; v < numVariables; v++) {
      let count = 0;
      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      let last = NaN;
      for (let h = 0; h < hours; h++) {
        const i = (p * hours + h) * numVariables + v;
        if (grid.mask[i] !== 1) continue;
        const x = grid.values[i];
        count++;
        sum += x;
        if (x < min) min = x;
        if (x > max) max = x;
        last = x;
      }
      const [countColumn, meanColumn, minColumn, maxColumn, lastColumn] = columns[v];
      countColumn[p] = count;
      if (count > 0) {
        meanColumn[p] = sum / count;
        minColumn[p] = min;
        maxColumn[p] = max;
        lastColumn[p] = last;
      }
    }
  }
  numeric.Age = Float64Array.from(descriptors, (d) => (d.Age === null ? NaN : d.Age));
  const categorical: Record<string, string[]> = {
    Gender: descriptors.map((d) => genderCategory(d.Gender)),
    ICUType: descriptors.map((d) => (d.ICUType === null ? 'unknown' : String(d.ICUType))),
  };
  return { numeric, categorical, rows: patients };
}
