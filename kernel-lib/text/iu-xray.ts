/**
 * Loader for the Indiana University chest X-ray reports (Open-i collection), in the
 * CSV form of the Kaggle dataset "raddar/chest-xrays-indiana-university":
 * `indiana_reports.csv`, one report per row with the columns uid, MeSH, Problems,
 * image, indication, comparison, findings and impression.
 *
 * The file is read as it is: `XXXX` marks a word removed by de-identification and is
 * kept as a token. An empty cell becomes an empty string.
 *
 * NOTE: the collection is distributed under CC BY-NC-ND 4.0 (non-commercial, no
 * derivatives), so nothing read here may be written into this repository.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Random } from '../util/random';

/** The reports file inside the folder passed to loadIuXrayReports. */
export const IU_XRAY_REPORTS_FILE = 'indiana_reports.csv';

/** Columns that loadIuXrayReports requires, as spelled in the header. */
export const IU_XRAY_COLUMNS = ['uid', 'MeSH', 'Problems', 'image', 'indication', 'comparison', 'findings', 'impression'] as const;

/** Weak image classes derived from the Problems terms, for pairing reports with images. */
export const WEAK_IMAGE_CLASSES = ['normal', 'pneumonia'] as const;
export type WeakImageClass = (typeof WEAK_IMAGE_CLASSES)[number];

/** Problems terms that make a report 'pneumonia' in weakImageClass, compared without case. */
export const PNEUMONIA_PROBLEM_TERMS = ['Pneumonia', 'Consolidation', 'Airspace Disease'] as const;

/** One report: one row of indiana_reports.csv. */
export interface IuXrayReport {
  /** Study id, the key that joins reports to indiana_projections.csv. */
  uid: number;
  /** MeSH-style terms with their `/` qualifiers, e.g. `Cardiomegaly/borderline`. */
  mesh: string[];
  /** Main terms, trimmed. A term repeats when MeSH lists it with different qualifiers. */
  problems: string[];
  /** Exam description, e.g. the views taken. */
  image: string;
  indication: string;
  comparison: string;
  findings: string;
  impression: string;
}

/** Fractions of reports per split, which must sum to 1. */
export interface ReportSplitFractions {
  train: number;
  validation: number;
  test: number;
}

/** Reports per split, each sorted by uid. */
export interface ReportSplit {
  train: IuXrayReport[];
  validation: IuXrayReport[];
  test: IuXrayReport[];
}

const DOWNLOAD_HINT =
  `download ${IU_XRAY_REPORTS_FILE} from the Kaggle dataset "raddar/chest-xrays-indiana-university" ` +
  '(Indiana University chest X-ray collection, Open-i) and pass the folder that contains it';

/**
 * Reads `<folder>/indiana_reports.csv`. Returns the reports in file order. Throws
 * `loadIuXrayReports: …` for a missing folder or file, an empty file, a missing
 * column, a row with the wrong number of fields, an unterminated quote, or a uid
 * that is not a positive integer or appears twice.
 */
export function loadIuXrayReports(folder: string): IuXrayReport[] {
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    throw new Error(`loadIuXrayReports: folder not found: ${folder}; ${DOWNLOAD_HINT}`);
  }
  const filePath = path.join(folder, IU_XRAY_REPORTS_FILE);
  if (!fs.existsSync(filePath)) {
    throw new Error(`loadIuXrayReports: file not found: ${filePath}; ${DOWNLOAD_HINT}`);
  }
  const rows = parseCsv(fs.readFileSync(filePath, 'utf8'), filePath);
  if (rows.length === 0) {
    throw new Error(`loadIuXrayReports: ${filePath} is empty; expected a header line (${IU_XRAY_COLUMNS.join(',')}) and one row per report`);
  }

  const header = rows[0].fields.map((name) => name.trim());
  const columnIndex = {} as Record<(typeof IU_XRAY_COLUMNS)[number], number>;
  for (const column of IU_XRAY_COLUMNS) {
    const index = header.indexOf(column);
    if (index < 0) throw new Error(`loadIuXrayReports: ${filePath}: missing column '${column}'; the header has ${header.join(', ')}`);
    columnIndex[column] = index;
  }

  const reports: IuXrayReport[] = [];
  const seen = new Set<number>();
  for (const { line, fields } of rows.slice(1)) {
    if (fields.length !== header.length) {
      throw new Error(`loadIuXrayReports: ${filePath}:${line}: expected ${header.length} fields, got ${fields.length}; quote fields that contain commas`);
    }
    const cell = (column: (typeof IU_XRAY_COLUMNS)[number]) => fields[columnIndex[column]];
    const uid = Number(cell('uid'));
    if (!Number.isSafeInteger(uid) || uid < 1 || cell('uid').trim() === '') {
      throw new Error(`loadIuXrayReports: ${filePath}:${line}: uid must be a positive integer, got '${cell('uid')}'`);
    }
    if (seen.has(uid)) throw new Error(`loadIuXrayReports: ${filePath}:${line}: uid ${uid} appears twice; each report must be listed once`);
    seen.add(uid);
    reports.push({
      uid,
      mesh: splitTerms(cell('MeSH')),
      problems: splitTerms(cell('Problems')),
      image: cell('image'),
      indication: cell('indication'),
      comparison: cell('comparison'),
      findings: cell('findings'),
      impression: cell('impression'),
    });
  }
  if (reports.length === 0) throw new Error(`loadIuXrayReports: ${filePath} has a header but no report rows`);
  return reports;
}

/** Returns findings and impression joined by a space and trimmed. */
export function reportText(report: Pick<IuXrayReport, 'findings' | 'impression'>): string {
  return `${report.findings.trim()} ${report.impression.trim()}`.trim();
}

/**
 * Returns 'normal' when the only Problems term is `normal`, 'pneumonia' when a term is
 * one of PNEUMONIA_PROBLEM_TERMS, and null for every other report. `No Indexing` is
 * null, not normal, because it marks a study that was never indexed.
 */
export function weakImageClass(report: Pick<IuXrayReport, 'problems'>): WeakImageClass | null {
  const terms = report.problems.map((term) => term.trim().toLowerCase());
  if (terms.length === 1 && terms[0] === 'normal') return 'normal';
  const pneumoniaTerms = PNEUMONIA_PROBLEM_TERMS.map((term) => term.toLowerCase());
  if (terms.some((term) => pneumoniaTerms.includes(term))) return 'pneumonia';
  return null;
}

/**
 * Splits reports into train, validation and test by uid, stratified on weakImageClass
 * (normal, pneumonia and unclassed as three strata). Within a stratum the uids are
 * sorted, shuffled with `Random(seed)` and cut into round(train·n), round(validation·n)
 * and the rest, so every report lands in exactly one split and the same seed gives the
 * same split. Throws for a non-integer seed, fractions that are negative or do not sum
 * to 1, or a uid listed twice.
 */
export function splitReportsByUid(reports: readonly IuXrayReport[], fractions: ReportSplitFractions, seed: number): ReportSplit {
  if (!Number.isSafeInteger(seed)) throw new Error(`splitReportsByUid: \`seed\` must be an integer, got ${seed}`);
  const { train, validation, test } = fractions;
  if ([train, validation, test].some((f) => !Number.isFinite(f) || f < 0) || Math.abs(train + validation + test - 1) > 1e-9) {
    throw new Error(`splitReportsByUid: fractions must be non-negative and sum to 1, got train ${train}, validation ${validation}, test ${test}`);
  }
  const byUid = new Map<number, IuXrayReport>();
  for (const report of reports) {
    if (byUid.has(report.uid)) throw new Error(`splitReportsByUid: uid ${report.uid} appears twice; each report must be listed once`);
    byUid.set(report.uid, report);
  }

  const random = new Random(seed);
  const split: ReportSplit = { train: [], validation: [], test: [] };
  for (const stratum of [...WEAK_IMAGE_CLASSES, null]) {
    const uids = reports.filter((r) => weakImageClass(r) === stratum).map((r) => r.uid).sort((a, b) => a - b);
    const order = random.permutation(uids.length);
    const numTrain = Math.round(train * uids.length);
    const numValidation = Math.min(Math.round(validation * uids.length), uids.length - numTrain);
    order.forEach((index, rank) => {
      const report = byUid.get(uids[index])!;
      if (rank < numTrain) split.train.push(report);
      else if (rank < numTrain + numValidation) split.validation.push(report);
      else split.test.push(report);
    });
  }
  for (const part of [split.train, split.validation, split.test]) part.sort((a, b) => a.uid - b.uid);
  return split;
}

/** Splits a `;`-separated cell into trimmed, non-empty terms. */
function splitTerms(cell: string): string[] {
  return cell
    .split(';')
    .map((term) => term.trim())
    .filter((term) => term !== '');
}

/**
 * Parses CSV text (RFC 4180: fields in double quotes may contain commas, newlines and
 * `""` for a quote). Returns the non-blank records with their 1-based starting line.
 */
function parseCsv(text: string, filePath: string): { line: number; fields: string[] }[] {
  const rows: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const endRow = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0].trim() === '')) rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
  };

  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0; // byte order mark
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        if (char === '\n') line++;
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      fields.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else {
      field += char;
    }
  }
  if (quoted) throw new Error(`loadIuXrayReports: ${filePath}:${rowLine}: a quoted field is not closed before the end of the file`);
  if (field !== '' || fields.length > 0) endRow();
  return rows;
}
