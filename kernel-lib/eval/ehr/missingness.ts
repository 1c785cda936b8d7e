/**
 * Missingness of hourly grids: how often each variable is measured in the real and the
 * synthetic grid. In ICU data the measurement pattern carries clinical information (a
 * lactate is drawn when a clinician worries), so a generator must reproduce it too.
 */
import { HourlyGrid } from '../../ehr/hourly-grid';
import { TimeSeriesVariable } from '../../ehr/variables';
import { checkGridPair } from './marginals';

/** Missingness and measurement frequency of one variable on both sides. */
export interface MissingnessRow {
  variable: TimeSeriesVariable;
  /** Share of real patient-hours with mask 0, in [0, 1]. */
  realMissingRate: number;
  /** Share of synthetic patient-hours with mask 0, in [0, 1]. */
  syntheticMissingRate: number;
  /** |realMissingRate − syntheticMissingRate|. */
  missingRateDifference: number;
  /** Mean measured hours per real patient per 24 h. */
  realMeasurementsPer24h: number;
  /** Mean measured hours per synthetic patient per 24 h. */
  syntheticMeasurementsPer24h: number;
  /** |realMeasurementsPer24h − syntheticMeasurementsPer24h|. */
  frequencyDifference: number;
}

/** Missingness of every variable, real beside synthetic. */
export interface MissingnessComparison {
  /** One row per variable, in grid order. */
  variables: MissingnessRow[];
  /** Mean of missingRateDifference over the variables. */
  meanAbsoluteMissingRateDifference: number;
  /** Mean of frequencyDifference over the variables, in measured hours per 24 h. */
  meanAbsoluteFrequencyDifference: number;
}

/**
 * Compares, per variable, the share of patient-hours without a measurement and the mean
 * number of measured hours per patient per 24 h between the real and the synthetic grid.
 * Throws `missingnessComparison: …` for invalid grids or grids whose hours or variables differ.
 */
export function missingnessComparison(real: HourlyGrid, synthetic: HourlyGrid): MissingnessComparison {
  checkGridPair('missingnessComparison', real, synthetic);
  const hours = real.shape[1];
  const realMeasured = measuredCellsByVariable(real);
  const syntheticMeasured = measuredCellsByVariable(synthetic);
  const realPatientHours = real.shape[0] * hours;
  const syntheticPatientHours = synthetic.shape[0] * hours;

  const rows = real.variables.map((variable, v): MissingnessRow => {
    const realMissingRate = 1 - realMeasured[v] / realPatientHours;
    const syntheticMissingRate = 1 - syntheticMeasured[v] / syntheticPatientHours;
    // Every patient spans the same `hours`, so the mean per patient per 24 h is
    // (measured cells / patients) · 24 / hours.
    const realMeasurementsPer24h = (realMeasured[v] / real.shape[0]) * (24 / hours);
    const syntheticMeasurementsPer24h = (syntheticMeasured[v] / synthetic.shape[0]) * (24 / hours);
    return {
      variable,
      realMissingRate,
      syntheticMissingRate,
      missingRateDifference: Math.abs(realMissingRate - syntheticMissingRate),
      realMeasurementsPer24h,
      syntheticMeasurementsPer24h,
      frequencyDifference: Math.abs(realMeasurementsPer24h - syntheticMeasurementsPer24h),
    };
  });

  return {
    variables: rows,
    meanAbsoluteMissingRateDifference: mean(rows.map((row) => row.missingRateDifference)),
    meanAbsoluteFrequencyDifference: mean(rows.map((row) => row.frequencyDifference)),
  };
}

function measuredCellsByVariable(grid: HourlyGrid): Float64Array {
  const numVariables = grid.shape[2];
  const counts = new Float64Array(numVariables);
  for (let cell = 0; cell < grid.mask.length; cell += numVariables) {
    for (let v = 0; v < numVariables; v++) counts[v] += grid.mask[cell + v];
  }
  return counts;
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}
