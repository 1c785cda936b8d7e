/**
 * Reads one EHR input of the release gate (files in the format SyntheticEhrWriter writes) into
 * a per-patient summary feature table and outcome labels.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import pl from 'nodejs-polars';
import { parseElapsedTime } from '../ehr/physionet-record';
import { summaryFeatureTable } from '../ehr/summary-features';
import { readSyntheticEhrCsv } from '../ehr/synthetic-import';
import { Table } from '../eval/tabular/table';
import { log } from '../util/log';
import { EhrFiles, ROLE_LABELS, ReleaseRole } from './release-inputs';

export interface EhrInput {
  role: ReleaseRole;
  files: EhrFiles;
  /** Contents of `<prefix>_metadata.json`, or null when there is none. */
  metadata: Record<string, unknown> | null;
  /** Summary features, one row per patient in the outcomes file's order. */
  table: Table;
  /** In-hospital death per patient, 0 or 1, `[patients]`. */
  labels: Int32Array;
  patients: number;
  /** 1 + the largest hourly bin with a measurement (0 without any). */
  observedHours: number;
}

const TIMESERIES_COLUMNS = ['RecordID', 'Time', 'Parameter', 'Value'];
const OUTCOMES_COLUMNS = ['RecordID', 'In-hospital_death'];

/** Reads `<prefix>_metadata.json`, or returns null when there is none. Throws naming the file when it is not a JSON object. */
function readEhrMetadata(caller: string, files: EhrFiles): Record<string, unknown> | null {
  if (files.metadata === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(files.metadata, 'utf8'));
  } catch (err) {
    throw new Error(`${caller}: ${files.metadata} is not valid JSON (${(err as Error).message}); restore the file or remove it`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${caller}: ${files.metadata} must contain a JSON object, got ${JSON.stringify(parsed)}`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Throws unless the metadata flag fits the role: `synthetic: false` on the synthetic input, or
 * `synthetic: true` on a real input, is rejected.
 */
function checkSyntheticFlag(caller: string, role: ReleaseRole, file: string, metadata: Record<string, unknown> | null): void {
  if (metadata === null || metadata.synthetic === undefined) return;
  const label = ROLE_LABELS[role];
  if (role === 'synthetic' && metadata.synthetic !== true) {
    throw new Error(
      `${caller}: ${label} is invalid: ${file} sets synthetic: ${JSON.stringify(metadata.synthetic)}, and real records must never be released; ` +
        'pass the synthetic_* files a medsynth model generated',
    );
  }
  if (role !== 'synthetic' && metadata.synthetic === true) {
    throw new Error(`${caller}: ${label} is invalid: ${file} sets synthetic: true, but ${label} must be REAL records; pass the real_* files of the run`);
  }
}

/** Converts a Parquet table to a CSV file after checking its columns. */
function parquetToCsv(caller: string, parquetPath: string, csvPath: string, columns: string[]): void {
  let frame: pl.DataFrame;
  try {
    frame = pl.readParquet(parquetPath);
  } catch (err) {
    throw new Error(`${caller}: ${parquetPath} cannot be read as Parquet (${(err as Error).message}); pass the CSV files instead`);
  }
  if (frame.columns.join(',') !== columns.join(',')) {
    throw new Error(`${caller}: ${parquetPath} has columns [${frame.columns.join(', ')}], expected [${columns.join(', ')}]; pass files written by SyntheticEhrWriter, or the CSV files`);
  }
  frame.writeCSV(csvPath);
}

/** Returns 1 + the largest hour bin (Time is `HH:MM`, the start of the bin) of a long-format CSV. */
function observedHoursOf(timeseriesCsv: string): number {
  let maxMinute = -1;
  const lines = fs.readFileSync(timeseriesCsv, 'utf8').split('\n');
  for (let n = 1; n < lines.length; n++) {
    const fields = lines[n].split(',');
    if (fields.length < 4 || fields[2] === 'RecordID') continue;
    const minute = parseElapsedTime(fields[1]);
    if (minute !== null && minute > maxMinute) maxMinute = minute;
  }
  return maxMinute < 0 ? 0 : Math.floor(maxMinute / 60) + 1;
}

/**
 * Reads the time series and outcomes of `files` (Parquet through a temporary CSV copy) and
 * builds the summary feature table. Throws for an input with no patients.
 */
export function readEhrInput(caller: string, role: ReleaseRole, files: EhrFiles): EhrInput {
  if (files === null || typeof files !== 'object' || typeof files.timeseries !== 'string' || typeof files.outcomes !== 'string') {
    throw new Error(`readEhrInput: \`files\` must be the EHR files found by locateReleaseInput, got ${JSON.stringify(files)}`);
  }
  const label = ROLE_LABELS[role];
  const metadata = readEhrMetadata(caller, files);
  checkSyntheticFlag(caller, role, files.metadata ?? files.timeseries, metadata);

  let timeseriesCsv = files.timeseries;
  let outcomesCsv = files.outcomes;
  let tempDir: string | null = null;
  try {
    if (files.format === 'parquet') {
      tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-release-'));
      timeseriesCsv = path.join(tempDir, 'timeseries.csv');
      outcomesCsv = path.join(tempDir, 'outcomes.csv');
      parquetToCsv(caller, files.timeseries, timeseriesCsv, TIMESERIES_COLUMNS);
      parquetToCsv(caller, files.outcomes, outcomesCsv, OUTCOMES_COLUMNS);
    }
    const observedHours = observedHoursOf(timeseriesCsv);
    let tables;
    try {
      tables = readSyntheticEhrCsv(timeseriesCsv, outcomesCsv, Math.max(1, observedHours));
    } catch (err) {
      throw new Error(`${caller}: ${label} ${files.timeseries} cannot be read: ${(err as Error).message}`);
    }
    const patients = tables.labels.length;
    if (patients === 0) {
      throw new Error(`${caller}: ${label} ${files.outcomes} lists no patients; pass files with at least one patient`);
    }
    return {
      role,
      files,
      metadata,
      table: summaryFeatureTable(tables.grid, tables.descriptors),
      labels: tables.labels,
      patients,
      observedHours,
    };
  } finally {
    if (tempDir !== null) fs.rmSync(tempDir, { recursive: true, force: true });
  }
}

/** Hours of the recording window of a real input in an EHR run: `hours` of `<run>/data.json` beside `real/`. */
export function runWindowHours(files: EhrFiles): { hours: number; origin: string } | null {
  if (files === null || typeof files !== 'object' || typeof files.folder !== 'string') {
    throw new Error(`runWindowHours: \`files\` must be the EHR files found by locateReleaseInput, got ${JSON.stringify(files)}`);
  }
  const dataJson = path.join(files.folder, '..', 'data.json');
  if (!fs.existsSync(dataJson)) return null;
  try {
    const hours = JSON.parse(fs.readFileSync(dataJson, 'utf8')).hours;
    return Number.isInteger(hours) && hours > 0 ? { hours, origin: path.resolve(dataJson) } : null;
  } catch (err) {
    log.warn(`runWindowHours: ${dataJson} cannot be read (${(err as Error).message}); the recording window is taken from the data`);
    return null;
  }
}
