/**
 * Variables of the PhysioNet/Computing in Cardiology Challenge 2012 records
 * (Silva et al., Computing in Cardiology 2012;39:245-248): the 37 time series, the
 * general descriptors recorded at admission, their units and default plausible ranges.
 */

/** The 37 time-series variables, in the order of the last axis of every grid. */
export const TIME_SERIES_VARIABLES = [
  'Albumin',
  'ALP',
  'ALT',
  'AST',
  'Bilirubin',
  'BUN',
  'Cholesterol',
  'Creatinine',
  'DiasABP',
  'FiO2',
  'GCS',
  'Glucose',
  'HCO3',
  'HCT',
  'HR',
  'K',
  'Lactate',
  'MAP',
  'MechVent',
  'Mg',
  'Na',
  'NIDiasABP',
  'NIMAP',
  'NISysABP',
  'PaCO2',
  'PaO2',
  'pH',
  'Platelets',
  'RespRate',
  'SaO2',
  'SysABP',
  'Temp',
  'TroponinI',
  'TroponinT',
  'Urine',
  'WBC',
  'Weight',
] as const;
export type TimeSeriesVariable = (typeof TIME_SERIES_VARIABLES)[number];

/**
 * General descriptors, recorded once at time 00:00 with -1 for unknown. `Weight` at
 * 00:00 is the admission weight; `Weight` rows at later times are time-series values.
 * `RecordID` is an identifier and is kept apart from these.
 */
export const DESCRIPTOR_NAMES = ['Age', 'Gender', 'Height', 'ICUType', 'Weight'] as const;
export type DescriptorName = (typeof DESCRIPTOR_NAMES)[number];

/** Plausible range of a variable, both ends inclusive, in the variable's unit. */
export type PlausibleRange = readonly [min: number, max: number];

/** Unit, meaning and default plausible range of one variable. */
export interface VariableInfo {
  unit: string;
  description: string;
  plausibleRange: PlausibleRange;
}

/**
 * Units as documented for the challenge data. The default ranges are wide clinical
 * limits chosen for this library, not published thresholds. They remove impossible
 * values and unit or decimal slips (pH 94 or 187, temperatures below 25 °C). They
 * also remove zeros that are monitor artifacts (HR, blood pressures, respiratory rate).
 * Urine keeps 0 because an hour with no output is a real observation.
 */
export const VARIABLE_INFO: Readonly<Record<TimeSeriesVariable, VariableInfo>> = {
  Albumin: { unit: 'g/dL', description: 'serum albumin', plausibleRange: [0.5, 7] },
  ALP: { unit: 'IU/L', description: 'alkaline phosphatase', plausibleRange: [1, 5000] },
  ALT: { unit: 'IU/L', description: 'alanine transaminase', plausibleRange: [1, 20000] },
  AST: { unit: 'IU/L', description: 'aspartate transaminase', plausibleRange: [1, 20000] },
  Bilirubin: { unit: 'mg/dL', description: 'total bilirubin', plausibleRange: [0.05, 60] },
  BUN: { unit: 'mg/dL', description: 'blood urea nitrogen', plausibleRange: [0, 300] },
  Cholesterol: { unit: 'mg/dL', description: 'total cholesterol', plausibleRange: [10, 800] },
  Creatinine: { unit: 'mg/dL', description: 'serum creatinine', plausibleRange: [0.05, 30] },
  DiasABP: { unit: 'mmHg', description: 'invasive diastolic arterial pressure', plausibleRange: [1, 250] },
  FiO2: { unit: 'fraction', description: 'fraction of inspired oxygen', plausibleRange: [0.21, 1] },
  GCS: { unit: 'score', description: 'Glasgow Coma Score', plausibleRange: [3, 15] },
  Glucose: { unit: 'mg/dL', description: 'serum glucose', plausibleRange: [10, 2000] },
  HCO3: { unit: 'mmol/L', description: 'serum bicarbonate', plausibleRange: [1, 60] },
  HCT: { unit: '%', description: 'hematocrit', plausibleRange: [5, 75] },
  HR: { unit: 'bpm', description: 'heart rate', plausibleRange: [1, 300] },
  K: { unit: 'mEq/L', description: 'serum potassium', plausibleRange: [1, 12] },
  Lactate: { unit: 'mmol/L', description: 'lactate', plausibleRange: [0.1, 40] },
  MAP: { unit: 'mmHg', description: 'invasive mean arterial pressure', plausibleRange: [1, 300] },
  MechVent: { unit: 'flag', description: 'on mechanical ventilation (only 1 is charted)', plausibleRange: [1, 1] },
  Mg: { unit: 'mmol/L', description: 'serum magnesium', plausibleRange: [0.3, 10] },
  Na: { unit: 'mEq/L', description: 'serum sodium', plausibleRange: [90, 200] },
  NIDiasABP: { unit: 'mmHg', description: 'non-invasive diastolic arterial pressure', plausibleRange: [1, 250] },
  NIMAP: { unit: 'mmHg', description: 'non-invasive mean arterial pressure', plausibleRange: [1, 300] },
  NISysABP: { unit: 'mmHg', description: 'non-invasive systolic arterial pressure', plausibleRange: [1, 300] },
  PaCO2: { unit: 'mmHg', description: 'arterial CO2 partial pressure', plausibleRange: [5, 150] },
  PaO2: { unit: 'mmHg', description: 'arterial O2 partial pressure', plausibleRange: [1, 700] },
  pH: { unit: 'pH', description: 'arterial pH', plausibleRange: [6.5, 8.0] },
  Platelets: { unit: 'cells/nL', description: 'platelet count', plausibleRange: [1, 2000] },
  RespRate: { unit: 'breaths/min', description: 'respiratory rate', plausibleRange: [1, 100] },
  SaO2: { unit: '%', description: 'arterial O2 saturation of hemoglobin', plausibleRange: [20, 100] },
  SysABP: { unit: 'mmHg', description: 'invasive systolic arterial pressure', plausibleRange: [1, 300] },
  Temp: { unit: '°C', description: 'body temperature', plausibleRange: [25, 45] },
  TroponinI: { unit: 'µg/L', description: 'troponin I', plausibleRange: [0, 100] },
  TroponinT: { unit: 'µg/L', description: 'troponin T', plausibleRange: [0, 100] },
  Urine: { unit: 'mL', description: 'urine output charted at that time', plausibleRange: [0, 15000] },
  WBC: { unit: 'cells/nL', description: 'white blood cell count', plausibleRange: [0.05, 300] },
  Weight: { unit: 'kg', description: 'body weight', plausibleRange: [20, 350] },
};

/**
 * Descriptors with their units. Age, Height and Weight have default plausible ranges
 * (Height up to 431.8 cm occurs in set-a); Gender and ICUType are codes.
 */
export const DESCRIPTOR_INFO: Readonly<Record<DescriptorName, { unit: string; description: string; plausibleRange?: PlausibleRange }>> = {
  Age: { unit: 'years', description: 'age at admission', plausibleRange: [15, 120] },
  Gender: { unit: 'code', description: '0 = female, 1 = male' },
  Height: { unit: 'cm', description: 'height', plausibleRange: [100, 250] },
  ICUType: { unit: 'code', description: '1 coronary care, 2 cardiac surgery recovery, 3 medical, 4 surgical' },
  Weight: { unit: 'kg', description: 'admission weight', plausibleRange: [20, 350] },
};

const VARIABLE_INDEX = new Map<string, number>(TIME_SERIES_VARIABLES.map((name, i) => [name, i]));

/** Returns the position of `name` in TIME_SERIES_VARIABLES, or -1 for any other name. */
export function timeSeriesIndex(name: string): number {
  return VARIABLE_INDEX.get(name) ?? -1;
}

/** Type guard for a time-series variable name. */
export function isTimeSeriesVariable(name: string): name is TimeSeriesVariable {
  return VARIABLE_INDEX.has(name);
}

/** Type guard for a descriptor name (RecordID excluded). */
export function isDescriptorName(name: string): name is DescriptorName {
  return (DESCRIPTOR_NAMES as readonly string[]).includes(name);
}
