import { HourlyGrid } from '../../../kernel-lib/ehr/hourly-grid';
import { TimeSeriesVariable } from '../../../kernel-lib/ehr/variables';

/** Builds a grid from cells[patient][hour][variable], where null marks an unmeasured cell (NaN, mask 0). */
export function makeGrid(variables: TimeSeriesVariable[], cells: (number | null)[][][]): HourlyGrid {
  const patients = cells.length;
  const hours = cells[0].length;
  const values = new Float32Array(patients * hours * variables.length);
  const mask = new Float32Array(values.length);
  cells.forEach((patient, p) =>
    patient.forEach((hour, h) =>
      hour.forEach((value, v) => {
        const cell = (p * hours + h) * variables.length + v;
        values[cell] = value === null ? NaN : value;
        mask[cell] = value === null ? 0 : 1;
      }),
    ),
  );
  return { values, mask, shape: [patients, hours, variables.length], recordIds: cells.map((_, p) => p), variables };
}
