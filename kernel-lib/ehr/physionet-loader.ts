/**
 * Loader for a PhysioNet 2012 set: a folder of `<RecordID>.txt` record files and an
 * outcomes file (`Outcomes-a.txt`), joined on RecordID.
 *
 * Handling of bad input, beyond the per-row rules of parsePhysionetRecord. Always an
 * error: a missing folder or outcomes file, a wrong outcomes header, and a RecordID
 * repeated in the outcomes file. Skipped and reported, or an error with
 * `strict: true`: an outcome row that is malformed or has an `In-hospital_death`
 * other than 0 or 1, a record file with no outcome row (the record is dropped), and
 * an outcome row with no record file.
 */
import * as fs from 'fs';
import * as path from 'path';
import pl from 'nodejs-polars';
import { ParseIssue, PhysionetRecord, readPhysionetRecord, SKIP_KINDS, SkipKind } from './physionet-record';

/** One row of the outcomes file; -1 in the file becomes null. */
export interface PhysionetOutcome {
  recordId: number;
  saps1: number | null;
  sofa: number | null;
  /** Days. */
  lengthOfStay: number | null;
  /** Days from ICU admission to death; null when not known to have died. */
  survival: number | null;
  /** The challenge label: 1 = died in hospital, 0 = survived. */
  inHospitalDeath: 0 | 1;
}

/** A record joined with its outcome. */
export interface LabelledRecord extends PhysionetRecord {
  outcome: PhysionetOutcome;
}

export interface LoadPhysionetOptions {
  /** Throw on the first row or record that would otherwise be skipped. Default false. */
  strict?: boolean;
  /** Issues kept per kind as examples; counts are always complete. Default 20. */
  maxExamplesPerKind?: number;
}

/** Counts of files, records and observations read, and of rows or records skipped. */
export interface LoadReport {
  filesRead: number;
  recordsLoaded: number;
  observations: number;
  /** Time-series rows with value -1, read as not measured. */
  missingSeriesValues: number;
  /** Number of skipped rows or records per kind. */
  skipped: Record<SkipKind, number>;
  /** The first issues of each kind, with file and line. */
  examples: ParseIssue[];
  /** Wall-clock time of the load in milliseconds. */
  elapsedMs: number;
}

/** Records sorted by RecordID, the same data as a long DataFrame, and the load report. */
export interface PhysionetDataset {
  records: LabelledRecord[];
  /** Columns recordId (i32), minute (i32), variable (str), value (f64); one row per observation. */
  frame: pl.DataFrame;
  report: LoadReport;
}

const OUTCOMES_HEADER = 'RecordID,SAPS-I,SOFA,Length_of_stay,Survival,In-hospital_death';

/**
 * Parses the text of an outcomes file. Returns the outcomes by RecordID and the rows
 * it skipped. Throws `parsePhysionetOutcomes: …` for a wrong header, a repeated
 * RecordID, and, with `strict: true`, a malformed row.
 */
export function parsePhysionetOutcomes(
  text: string,
  fileName: string,
  options: { strict?: boolean } = {},
): { outcomes: Map<number, PhysionetOutcome>; issues: ParseIssue[] } {
  const lines = text.split(/\r?\n/);
  const header = lines[0].replace(/^\uFEFF/, '').trim();
  if (header !== OUTCOMES_HEADER) {
    throw new Error(`parsePhysionetOutcomes: ${fileName}:1: expected the header '${OUTCOMES_HEADER}', got '${header}'`);
  }

  const outcomes = new Map<number, PhysionetOutcome>();
  const issues: ParseIssue[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const fields = line.split(',').map((field) => field.trim());
    const numbers = fields.map((field) => (field === '' ? NaN : Number(field)));
    const death = numbers[5];
    let problem: string | null = null;
    if (fields.length !== 6) problem = `expected 6 fields, got ${fields.length} in '${line}'`;
    else if (numbers.some((x) => !Number.isFinite(x))) problem = `non-numeric field in '${line}'`;
    else if (!Number.isInteger(numbers[0])) problem = `RecordID '${fields[0]}' is not an integer`;
    else if (death !== 0 && death !== 1) problem = `In-hospital_death must be 0 or 1, got '${fields[5]}'`;
    if (problem !== null) {
      if (options.strict) throw new Error(`parsePhysionetOutcomes: ${fileName}:${i + 1}: ${problem} (strict mode; pass strict: false to skip such rows)`);
      issues.push({ kind: 'malformed-outcome', file: fileName, line: i + 1, message: problem });
      continue;
    }

    const recordId = numbers[0];
    if (outcomes.has(recordId)) {
      throw new Error(`parsePhysionetOutcomes: ${fileName}:${i + 1}: RecordID ${recordId} appears twice; remove one of the rows`);
    }
    const orNull = (x: number): number | null => (x === -1 ? null : x);
    outcomes.set(recordId, {
      recordId,
      saps1: orNull(numbers[1]),
      sofa: orNull(numbers[2]),
      lengthOfStay: orNull(numbers[3]),
      survival: orNull(numbers[4]),
      inHospitalDeath: death as 0 | 1,
    });
  }
  return { outcomes, issues };
}

/**
 * Loads every `*.txt` file of `recordFolder` (sorted by name) and joins it with
 * `outcomesPath`. Returns the labelled records sorted by RecordID, a long DataFrame
 * of their observations, and a report of what was read and skipped.
 */
export function loadPhysionet2012(recordFolder: string, outcomesPath: string, options: LoadPhysionetOptions = {}): PhysionetDataset {
  const strict = options.strict ?? false;
  const maxExamples = options.maxExamplesPerKind ?? 20;
  if (!Number.isInteger(maxExamples) || maxExamples < 0) {
    throw new Error(`loadPhysionet2012: \`maxExamplesPerKind\` must be a non-negative integer, got ${maxExamples}`);
  }
  if (!fs.existsSync(recordFolder) || !fs.statSync(recordFolder).isDirectory()) {
    throw new Error(`loadPhysionet2012: record folder not found: ${recordFolder}; pass the folder that contains the <RecordID>.txt files (e.g. set-a)`);
  }
  if (!fs.existsSync(outcomesPath)) {
    throw new Error(`loadPhysionet2012: outcomes file not found: ${outcomesPath}; pass the path of Outcomes-a.txt`);
  }
  const start = Date.now();

  const skipped = Object.fromEntries(SKIP_KINDS.map((kind) => [kind, 0])) as Record<SkipKind, number>;
  const examples: ParseIssue[] = [];
  const note = (issue: ParseIssue): void => {
    skipped[issue.kind]++;
    if (skipped[issue.kind] <= maxExamples) examples.push(issue);
  };

  // 1. Outcomes.
  const parsedOutcomes = parsePhysionetOutcomes(fs.readFileSync(outcomesPath, 'utf8'), outcomesPath, { strict });
  parsedOutcomes.issues.forEach(note);
  const outcomes = parsedOutcomes.outcomes;

  // 2. Record files, joined with their outcome.
  const fileNames = fs.readdirSync(recordFolder).filter((name) => name.endsWith('.txt') && !name.startsWith('.')).sort();
  const records: LabelledRecord[] = [];
  const seenIds = new Set<number>();
  let missingSeriesValues = 0;
  for (const fileName of fileNames) {
    const filePath = path.join(recordFolder, fileName);
    const parsed = readPhysionetRecord(filePath, { strict });
    parsed.issues.forEach(note);
    missingSeriesValues += parsed.missingSeriesValues;
    const { recordId } = parsed.record;
    if (seenIds.has(recordId)) {
      throw new Error(`loadPhysionet2012: RecordID ${recordId} appears in two files of ${recordFolder}; remove one`);
    }
    seenIds.add(recordId);

    const outcome = outcomes.get(recordId);
    if (outcome === undefined) {
      const message = `record ${recordId} has no row in ${outcomesPath}; the record is dropped`;
      if (strict) throw new Error(`loadPhysionet2012: ${filePath}: ${message} (strict mode; pass strict: false to drop such records)`);
      note({ kind: 'missing-outcome', file: filePath, line: 0, message });
      continue;
    }
    records.push({ ...parsed.record, outcome });
  }

  // 3. Outcome rows without a record file.
  for (const recordId of outcomes.keys()) {
    if (seenIds.has(recordId)) continue;
    const message = `outcome row for record ${recordId} has no file ${recordId}.txt in ${recordFolder}`;
    if (strict) throw new Error(`loadPhysionet2012: ${outcomesPath}: ${message} (strict mode; pass strict: false to ignore such rows)`);
    note({ kind: 'missing-record-file', file: outcomesPath, line: 0, message });
  }

  records.sort((a, b) => a.recordId - b.recordId);
  const frame = recordsToFrame(records);
  const report: LoadReport = {
    filesRead: fileNames.length,
    recordsLoaded: records.length,
    observations: frame.height,
    missingSeriesValues,
    skipped,
    examples,
    elapsedMs: Date.now() - start,
  };
  return { records, frame, report };
}

/**
 * Builds the long DataFrame of the records' observations: columns recordId (i32),
 * minute (i32), variable (str) and value (f64), one row per observation, in record
 * order then minute order.
 */
export function recordsToFrame(records: readonly PhysionetRecord[]): pl.DataFrame {
  let total = 0;
  for (const record of records) total += record.observations.length;
  const recordIds = new Int32Array(total);
  const minutes = new Int32Array(total);
  const variables: string[] = new Array(total);
  const values = new Float64Array(total);
  let row = 0;
  for (const record of records) {
    for (const observation of record.observations) {
      recordIds[row] = record.recordId;
      minutes[row] = observation.minute;
      variables[row] = observation.variable;
      values[row] = observation.value;
      row++;
    }
  }
  return pl.DataFrame([
    pl.Series('recordId', recordIds, pl.Int32),
    pl.Series('minute', minutes, pl.Int32),
    pl.Series('variable', variables, pl.Utf8),
    pl.Series('value', values, pl.Float64),
  ]);
}
