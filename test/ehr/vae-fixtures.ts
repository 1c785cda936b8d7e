import { HourlyGrid } from '../../kernel-lib/ehr/hourly-grid';
import { TIME_SERIES_VARIABLES } from '../../kernel-lib/ehr/variables';
import { Random } from '../../kernel-lib/util/random';

export const HOURS = 4;
export const VARIABLES = 3;

/**
 * Builds a normalised grid [patients, 4, 3] driven by two factors per patient, a and b ~ N(0, 1):
 * variable 0 = a + 0.25·(h − 1.5), measured every hour;
 * variable 1 = −a + 0.5·b, measured at even hours;
 * variable 2 = b, measured only for patients with a > 0.
 * Unmeasured cells are NaN, as in a normalised HourlyGrid.
 */
export function structuredGrid(patients: number, seed = 7): HourlyGrid {
  const rng = new Random(seed);
  const values = new Float32Array(patients * HOURS * VARIABLES);
  const mask = new Float32Array(patients * HOURS * VARIABLES);
  for (let p = 0; p < patients; p++) {
    const a = rng.normal();
    const b = rng.normal();
    for (let h = 0; h < HOURS; h++) {
      const cell = (p * HOURS + h) * VARIABLES;
      const cellValues = [a + 0.25 * (h - 1.5), -a + 0.5 * b, b];
      const cellMask = [1, h % 2 === 0 ? 1 : 0, a > 0 ? 1 : 0];
      for (let v = 0; v < VARIABLES; v++) {
        mask[cell + v] = cellMask[v];
        values[cell + v] = cellMask[v] === 1 ? cellValues[v] : NaN;
      }
    }
  }
  return {
    values,
    mask,
    shape: [patients, HOURS, VARIABLES],
    recordIds: Array.from({ length: patients }, (_, p) => 1000 + p),
    variables: TIME_SERIES_VARIABLES.slice(0, VARIABLES),
  };
}
