/**
 * Parser for one PhysioNet 2012 record file: a CSV with header `Time,Parameter,Value`
 * and one observation per row. `Time` is `HH:MM` elapsed since ICU admission, from
 * 00:00 to 48:00, and hours go past 24. The value -1 means unknown.
 *
 * Handling of bad rows. Always an error: a missing or wrong header, and a `RecordID`
 * row that disagrees with the file name. Skipped and reported, or an error with
 * `strict: true`: a row without exactly three fields, an unknown parameter, a value
 * that is not a number, a malformed time or one after 48:00, a descriptor at a time
 * other than 00:00, and a repeated descriptor. Not reported as bad: a value of -1,
 * which becomes a missing descriptor or no observation, and blank lines.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DescriptorName, isDescriptorName, isTimeSeriesVariable, TimeSeriesVariable } from './variables';

/** Kinds of rows or records that are skipped and reported (errors with `strict: true`). */
export const SKIP_KINDS = [
  'malformed-row',
  'unknown-parameter',
  'non-numeric-value',
  'invalid-time',
  'misplaced-descriptor',
  'duplicate-descriptor',
  'missing-outcome',
  'missing-record-file',
  'malformed-outcome',
] as const;
export type SkipKind = (typeof SKIP_KINDS)[number];

/** One skipped row or record, located by file and 1-based line number (0 when the whole file). */
export interface ParseIssue {
  kind: SkipKind;
  file: string;
  line: number;
  message: string;
}

/** One time-series reading. */
export interface Observation {
  /** Minutes since ICU admission, 0 … 2880. */
  minute: number;
  variable: TimeSeriesVariable;
  value: number;
}

/** Descriptors at admission; null where the file has -1 or no row. */
export interface PhysionetDescriptors {
  Age: number | null;
  /** 0 = female, 1 = male. */
  Gender: number | null;
  /** cm */
  Height: number | null;
  /** 1 coronary care, 2 cardiac surgery recovery, 3 medical ICU, 4 surgical ICU. */
  ICUType: number | null;
  /** Admission weight in kg. */
  Weight: number | null;
}

/** One ICU stay: its identifier, descriptors and time-series observations sorted by minute. */
export interface PhysionetRecord {
  recordId: number;
  descriptors: PhysionetDescriptors;
  observations: Observation[];
}

export interface ParseRecordOptions {
  /** Throw on the first row that would otherwise be skipped. Default false. */
  strict?: boolean;
}

/** A parsed record, the rows it skipped, and how many -1 series values it read as missing. */
export interface ParsedRecord {
  record: PhysionetRecord;
  issues: ParseIssue[];
  missingSeriesValues: number;
}

/** Last minute of the challenge window: 48:00. */
export const MAX_MINUTE = 48 * 60;

const TIME_PATTERN = /^(\d{1,3}):([0-5]\d)$/;
// A decimal number as written in the challenge files, e.g. 35.1, -1, 0.5, 1e3.
const NUMBER_PATTERN = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Converts an elapsed time `HH:MM` to minutes since admission (25:40 → 1540).
 * Returns null for a malformed time; the range is not checked here.
 */
export function parseElapsedTime(text: string): number | null {
  const match = TIME_PATTERN.exec(text);
  if (match === null) return null;
  return 60 * Number(match[1]) + Number(match[2]);
}

/** Formats minutes since admission as `HH:MM` (1540 → 25:40). */
export function formatElapsedTime(minute: number): string {
  const hours = Math.floor(minute / 60);
  const minutes = minute % 60;
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

/**
 * Parses the text of one record file. `fileName` names the file in messages, and its
 * base name without `.txt`, when numeric, is the record id that a `RecordID` row must
 * match. A file without a `RecordID` row takes its id from the file name.
 *
 * Throws `parsePhysionetRecord: …` for a wrong header, a RecordID that disagrees with
 * the file name, a file with no id at all, and, with `strict: true`, any skipped row.
 */
export function parsePhysionetRecord(text: string, fileName: string, options: ParseRecordOptions = {}): ParsedRecord {
  const strict = options.strict ?? false;
  const lines = text.split(/\r?\n/);
  const header = lines[0].replace(/^\uFEFF/, '').trim();
  if (header !== 'Time,Parameter,Value') {
    throw new Error(`parsePhysionetRecord: ${fileName}:1: expected the header 'Time,Parameter,Value', got '${header}'; is this a PhysioNet 2012 record file?`);
  }

  const stem = path.basename(fileName).replace(/\.txt$/, '');
  const idFromName = /^\d+$/.test(stem) ? Number(stem) : null;
  let recordId: number | null = null;
  const descriptors: PhysionetDescriptors = { Age: null, Gender: null, Height: null, ICUType: null, Weight: null };
  const seenDescriptors = new Set<DescriptorName>();
  const observations: Observation[] = [];
  const issues: ParseIssue[] = [];
  let missingSeriesValues = 0;

  const skip = (kind: SkipKind, line: number, message: string): void => {
    if (strict) throw new Error(`parsePhysionetRecord: ${fileName}:${line}: ${message} (strict mode; pass strict: false to skip such rows)`);
    issues.push({ kind, file: fileName, line, message });
  };

  for (let i = 1; i < lines.length; i++) {
    const lineNumber = i + 1;
    const line = lines[i].trim();
    if (line === '') continue;

    // 1. Split into exactly three fields and check the time and the value.
    const fields = line.split(',');
    if (fields.length !== 3) {
      skip('malformed-row', lineNumber, `expected 3 fields 'Time,Parameter,Value', got ${fields.length} in '${line}'`);
      continue;
    }
    const [timeText, parameter, valueText] = fields.map((field) => field.trim());
    const minute = parseElapsedTime(timeText);
    if (minute === null) {
      skip('invalid-time', lineNumber, `invalid time '${timeText}', expected HH:MM elapsed since admission`);
      continue;
    }
    if (minute > MAX_MINUTE) {
      skip('invalid-time', lineNumber, `time ${timeText} is after 48:00, the end of the challenge window`);
      continue;
    }
    if (!NUMBER_PATTERN.test(valueText)) {
      skip('non-numeric-value', lineNumber, `value '${valueText}' of ${parameter} is not a number`);
      continue;
    }
    const value = Number(valueText);

    // 2. RecordID is an identifier: it must agree with the file name.
    if (parameter === 'RecordID') {
      if (idFromName !== null && value !== idFromName) {
        throw new Error(`parsePhysionetRecord: ${fileName}:${lineNumber}: RecordID ${valueText} disagrees with the file name; rename the file to ${valueText}.txt`);
      }
      recordId = value;
      continue;
    }

    // 3. Descriptors sit at 00:00. The first Weight at 00:00 is the admission weight,
    // and any other Weight row is a time-series value.
    const isAdmissionWeight = parameter === 'Weight' && minute === 0 && !seenDescriptors.has('Weight');
    if (isDescriptorName(parameter) && (parameter !== 'Weight' || isAdmissionWeight)) {
      if (minute !== 0) {
        skip('misplaced-descriptor', lineNumber, `descriptor ${parameter} at ${timeText}, expected only at 00:00`);
        continue;
      }
      if (seenDescriptors.has(parameter)) {
        skip('duplicate-descriptor', lineNumber, `descriptor ${parameter} appears again; the first value is kept`);
        continue;
      }
      seenDescriptors.add(parameter);
      descriptors[parameter] = value === -1 ? null : value;
      continue;
    }

    // 4. Time-series rows; -1 means not measured.
    if (!isTimeSeriesVariable(parameter)) {
      skip('unknown-parameter', lineNumber, `unknown parameter '${parameter}'`);
      continue;
    }
    if (value === -1) {
      missingSeriesValues++;
      continue;
    }
    observations.push({ minute, variable: parameter, value });
  }

  const id = recordId ?? idFromName;
  if (id === null) {
    throw new Error(`parsePhysionetRecord: ${fileName} has no RecordID row and its name is not a number; name it <RecordID>.txt`);
  }
  // Stable sort keeps the file order among readings that share a minute.
  observations.sort((a, b) => a.minute - b.minute);
  return { record: { recordId: id, descriptors, observations }, issues, missingSeriesValues };
}

/** Reads and parses one record file; see parsePhysionetRecord for errors and skips. */
export function readPhysionetRecord(filePath: string, options: ParseRecordOptions = {}): ParsedRecord {
  const text = fs.readFileSync(filePath, 'utf8');
  return parsePhysionetRecord(text, filePath, options);
}
