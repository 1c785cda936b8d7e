/**
 * Reads synthetic patients written by SyntheticEhrWriter back into an hourly grid, for
 * evaluation: the long CSV's Time is the start of an hourly bin, so each row fills one cell.
 */
import * as fs from 'fs';
import { HourlyGrid } from './hourly-grid';
import { parseElapsedTime, PhysionetDescriptors } from './physionet-record';
import { isDescriptorName, timeSeriesIndex, TIME_SERIES_VARIABLES } from './variables';

export interface SyntheticEhrTables {
  grid: HourlyGrid;
  descriptors: PhysionetDescriptors[];
  labels: Int32Array;
}

/** Reads `<prefix>_timeseries.csv` and `<prefix>_outcomes.csv` into a grid of `hours` hours in RecordID order of the outcomes file. */
export function readSyntheticEhrCsv(timeseriesCsv: string, outcomesCsv: string, hours: number): SyntheticEhrTables {
  if (!Number.isInteger(hours) || hours < 1) throw new Error(`readSyntheticEhrCsv: \`hours\` must be an integer >= 1, got ${hours}`);
  for (const file of [timeseriesCsv, outcomesCsv]) {
    if (!fs.existsSync(file)) throw new Error(`readSyntheticEhrCsv: ${file} does not exist; pass the files written by 'medsynth ehr generate' or an EHR run's generation stage`);
  }
  const outcomeLines = fs.readFileSync(outcomesCsv, 'utf8').split('\n');
  if (outcomeLines[0] !== 'RecordID,In-hospital_death') {
    throw new Error(`readSyntheticEhrCsv: ${outcomesCsv} line 1 is '${outcomeLines[0]}', expected 'RecordID,In-hospital_death'`);
  }
  const rowOf = new Map<number, number>();
  const labelList: number[] = [];
  outcomeLines.slice(1).forEach((line, index) => {
    if (line === '') return;
    const [id, label] = line.split(',').map(Number);
    if (!Number.isInteger(id) || (label !== 0 && label !== 1) || rowOf.has(id)) {
      throw new Error(`readSyntheticEhrCsv: ${outcomesCsv} line ${index + 2} ('${line}') is not a new RecordID with label 0 or 1`);
    }
    rowOf.set(id, labelList.length);
    labelList.push(label);
  });
  const patients = labelList.length;
  const numVariables = TIME_SERIES_VARIABLES.length;
  const values = new Float32Array(patients * hours * numVariables).fill(NaN);
  const mask = new Float32Array(patients * hours * numVariables);
  const descriptors: PhysionetDescriptors[] = Array.from({ length: patients }, () => ({ Age: null, Gender: null, Height: null, ICUType: null, Weight: null }));

  const lines = fs.readFileSync(timeseriesCsv, 'utf8').split('\n');
  if (lines[0] !== 'RecordID,Time,Parameter,Value') {
    throw new Error(`readSyntheticEhrCsv: ${timeseriesCsv} line 1 is '${lines[0]}', expected 'RecordID,Time,Parameter,Value'`);
  }
  // Weight is a descriptor and a time series: the first Weight row at 00:00 is the admission weight.
  const admissionWeightSeen = new Uint8Array(patients);
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n];
    if (line === '') continue;
    const [idText, time, parameter, valueText] = line.split(',');
    const row = rowOf.get(Number(idText));
    const minute = parseElapsedTime(time ?? '');
    const value = Number(valueText);
    if (row === undefined || minute === null || !Number.isFinite(value)) {
      throw new Error(`readSyntheticEhrCsv: ${timeseriesCsv} line ${n + 1} ('${line}') has an unknown RecordID, a bad time or a non-numeric value`);
    }
    if (parameter === 'RecordID') continue;
    const isAdmissionWeight = parameter === 'Weight' && minute === 0 && admissionWeightSeen[row] === 0;
    if (isDescriptorName(parameter) && (parameter !== 'Weight' || isAdmissionWeight)) {
      if (isAdmissionWeight) admissionWeightSeen[row] = 1;
      descriptors[row][parameter] = value === -1 ? null : value;
      continue;
    }
    const v = timeSeriesIndex(parameter);
    const hour = Math.floor(minute / 60);
    if (v < 0 || hour >= hours) {
      throw new Error(`readSyntheticEhrCsv: ${timeseriesCsv} line ${n + 1} has ${v < 0 ? `unknown parameter '${parameter}'` : `time ${time} outside ${hours} hours`}`);
    }
    const i = (row * hours + hour) * numVariables + v;
    values[i] = value;
    mask[i] = 1;
  }
  return {
    grid: { values, mask, shape: [patients, hours, numVariables], recordIds: [...rowOf.keys()], variables: TIME_SERIES_VARIABLES },
    descriptors,
    labels: Int32Array.from(labelList),
  };
}
