/**
 * Fidelity report of synthetic ICU trajectories against real ones: marginal distances,
 * correlation of patient means, missingness and autocorrelation, all computed on the
 * measured hourly cells (mask 1) in clinical units, and a Markdown rendering of it.
 */
import { HourlyGrid } from '../../ehr/hourly-grid';
import { TimeSeriesVariable } from '../../ehr/variables';
import { AutocorrelationComparison, AutocorrelationOptions, autocorrelationComparison } from './autocorrelation';
import { CorrelationDistance, correlationDistance } from './correlation';
import { MarginalDistance, checkGridPair, marginalDistances } from './marginals';
import { MissingnessComparison, missingnessComparison } from './missingness';

/** Space in which every metric of the report is computed. */
export const EHR_FEATURE_SPACE = 'measured hourly cells, clinical units';
/** Variables listed in the Markdown table of the largest relative W1 when no count is given. */
export const DEFAULT_WORST_COUNT = 5;

export type EhrFidelityOptions = AutocorrelationOptions;

export interface EhrFidelityReport {
  featureSpace: typeof EHR_FEATURE_SPACE;
  realPatients: number;
  syntheticPatients: number;
  hours: number;
  variables: TimeSeriesVariable[];
  marginals: MarginalDistance[];
  correlation: CorrelationDistance;
  missingness: MissingnessComparison;
  autocorrelation: AutocorrelationComparison;
}

/** W1 of one variable, raw and relative to the spread of the real values. */
export interface WassersteinRank {
  variable: TimeSeriesVariable;
  unit: string;
  /** W1 in `unit`. */
  wasserstein1: number;
  /** Population standard deviation of the real measured values, in `unit`. */
  realStd: number;
  /** wasserstein1 / realStd. With constant real values it is Infinity when W1 > 0 and 0 when W1 = 0. */
  relativeWasserstein1: number;
}

export interface EhrFidelityMarkdownOptions {
  /** Variables in the table of the largest relative W1. Default DEFAULT_WORST_COUNT. */
  worstCount?: number;
}

/**
 * Computes marginal distances, correlation distance, missingness and autocorrelation of
 * `synthetic` against `real`. The grids may differ in patient count but must share hours and
 * variables. Throws `ehrFidelityReport: …` for invalid grids, grids of a single hour, or a
 * `maxLag` outside 1 … hours − 1.
 */
export function ehrFidelityReport(real: HourlyGrid, synthetic: HourlyGrid, options: EhrFidelityOptions = {}): EhrFidelityReport {
  checkGridPair('ehrFidelityReport', real, synthetic);
  if (real.shape[1] < 2) {
    throw new Error(`ehrFidelityReport: the grids have ${real.shape[1]} hour; the autocorrelation part needs at least 2 hours`);
  }
  const maxLag = options.maxLag;
  if (maxLag !== undefined && (!Number.isInteger(maxLag) || maxLag < 1 || maxLag > real.shape[1] - 1)) {
    throw new Error(`ehrFidelityReport: \`maxLag\` must be an integer from 1 to hours − 1 = ${real.shape[1] - 1}, got ${maxLag}`);
  }
  return {
    featureSpace: EHR_FEATURE_SPACE,
    realPatients: real.shape[0],
    syntheticPatients: synthetic.shape[0],
    hours: real.shape[1],
    variables: [...real.variables],
    marginals: marginalDistances(real, synthetic),
    correlation: correlationDistance(real, synthetic),
    missingness: missingnessComparison(real, synthetic),
    autocorrelation: autocorrelationComparison(real, synthetic, { maxLag }),
  };
}

/**
 * Returns the `k` variables with the largest W1 relative to the standard deviation of their
 * real values, largest first, ties in grid order. Variables without a W1 are left out, so
 * fewer than `k` may come back. Throws `worstByWasserstein: …` for a report without
 * marginals or a `k` that is not a positive integer.
 */
export function worstByWasserstein(report: EhrFidelityReport, k: number): WassersteinRank[] {
  checkReport('worstByWasserstein', report);
  if (!Number.isInteger(k) || k < 1) {
    throw new Error(`worstByWasserstein: \`k\` must be a positive integer, got ${k}`);
  }
  const ranks: WassersteinRank[] = [];
  for (const entry of report.marginals) {
    if (entry.wasserstein1 === null || entry.realStd === null) continue;
    ranks.push({
      variable: entry.variable,
      unit: entry.unit,
      wasserstein1: entry.wasserstein1,
      realStd: entry.realStd,
      relativeWasserstein1: relativeWasserstein1(entry.wasserstein1, entry.realStd),
    });
  }
  // Array.prototype.sort is stable, so equal values keep grid order.
  // Infinity − Infinity is NaN, which `|| 0` turns into a tie.
  ranks.sort((a, b) => b.relativeWasserstein1 - a.relativeWasserstein1 || 0);
  return ranks.slice(0, k);
}

/**
 * Formats a report as Markdown: a summary line, the variables with the largest relative W1,
 * then tables of marginals, correlation, missingness and autocorrelation. Numbers have 3
 * significant digits and an undefined value shows as "–". Throws
 * `formatEhrFidelityMarkdown: …` for a malformed report or `worstCount`.
 */
export function formatEhrFidelityMarkdown(report: EhrFidelityReport, options: EhrFidelityMarkdownOptions = {}): string {
  checkReport('formatEhrFidelityMarkdown', report);
  const worstCount = options.worstCount ?? DEFAULT_WORST_COUNT;
  if (!Number.isInteger(worstCount) || worstCount < 1) {
    throw new Error(`formatEhrFidelityMarkdown: \`worstCount\` must be a positive integer, got ${worstCount}`);
  }
  const sections = [
    '## EHR fidelity: synthetic vs real',
    `Feature space: ${report.featureSpace}. Real patients: ${report.realPatients}. Synthetic patients: ${report.syntheticPatients}. ` +
      `Hours: ${report.hours}. Variables: ${report.variables.length}.`,
    worstSection(report, worstCount),
    marginalSection(report),
    correlationSection(report),
    missingnessSection(report),
    autocorrelationSection(report),
  ];
  return sections.join('\n\n') + '\n';
}

function relativeWasserstein1(wasserstein1: number, realStd: number): number {
  if (realStd > 0) return wasserstein1 / realStd;
  return wasserstein1 > 0 ? Infinity : 0;
}

function checkReport(functionName: string, report: EhrFidelityReport): void {
  if (report === null || typeof report !== 'object') {
    throw new Error(`${functionName}: \`report\` must be an EhrFidelityReport, got ${report === null ? 'null' : typeof report}`);
  }
  const missing = (['marginals', 'variables'] as const).filter((field) => !Array.isArray(report[field]));
  const missingObjects = (['correlation', 'missingness', 'autocorrelation'] as const).filter(
    (field) => report[field] === null || typeof report[field] !== 'object',
  );
  const fields = [...missing, ...missingObjects];
  if (fields.length > 0) {
    throw new Error(`${functionName}: \`report\` lacks ${fields.join(', ')}; pass the result of ehrFidelityReport`);
  }
}

function worstSection(report: EhrFidelityReport, worstCount: number): string {
  const ranks = worstByWasserstein(report, worstCount);
  const table = markdownTable(
    ['variable', 'unit', 'W1', 'real SD', 'W1 / real SD'],
    ranks.map((rank) => [rank.variable, rank.unit, formatNumber(rank.wasserstein1), formatNumber(rank.realStd), formatNumber(rank.relativeWasserstein1)]),
  );
  return `### Largest marginal distances (W1 relative to the real standard deviation)\n\n${ranks.length > 0 ? table : 'No variable is measured on both sides.'}`;
}

function marginalSection(report: EhrFidelityReport): string {
  const rows = report.marginals.map((entry) => [
    entry.variable,
    entry.unit,
    String(entry.realCount),
    String(entry.syntheticCount),
    formatNumber(entry.wasserstein1),
    formatNumber(entry.wasserstein1 === null || entry.realStd === null ? null : relativeWasserstein1(entry.wasserstein1, entry.realStd)),
    formatNumber(entry.ks),
    entry.note ?? '',
  ]);
  const table = markdownTable(['variable', 'unit', 'real n', 'synthetic n', 'W1', 'W1 / real SD', 'KS', 'note'], rows);
  return `### Marginal distances\n\n${table}`;
}

function correlationSection(report: EhrFidelityReport): string {
  const { pairsCompared, frobenius, meanAbsolute } = report.correlation;
  const table = markdownTable(
    ['pairs compared', 'Frobenius norm of difference', 'mean absolute difference'],
    [[String(pairsCompared), formatNumber(frobenius), formatNumber(meanAbsolute)]],
  );
  return `### Correlation of patient means (Pearson, pairwise-complete)\n\n${table}`;
}

function missingnessSection(report: EhrFidelityReport): string {
  const { variables, meanAbsoluteMissingRateDifference, meanAbsoluteFrequencyDifference } = report.missingness;
  const rows = variables.map((row) => [
    row.variable,
    formatNumber(row.realMissingRate),
    formatNumber(row.syntheticMissingRate),
    formatNumber(row.missingRateDifference),
    formatNumber(row.realMeasurementsPer24h),
    formatNumber(row.syntheticMeasurementsPer24h),
    formatNumber(row.frequencyDifference),
  ]);
  rows.push(['mean', '', '', formatNumber(meanAbsoluteMissingRateDifference), '', '', formatNumber(meanAbsoluteFrequencyDifference)]);
  const table = markdownTable(
    ['variable', 'real missing rate', 'synthetic missing rate', 'absolute difference', 'real per 24 h', 'synthetic per 24 h', 'absolute difference'],
    rows,
  );
  return `### Missingness (share of patient-hours unmeasured, measured hours per patient per 24 h)\n\n${table}`;
}

function autocorrelationSection(report: EhrFidelityReport): string {
  const { rows, meanAbsoluteDifference, entriesCompared } = report.autocorrelation;
  const table = markdownTable(
    ['variable', 'lag (h)', 'real', 'synthetic', 'absolute difference', 'real pairs', 'synthetic pairs'],
    rows.map((row) => [
      row.variable,
      String(row.lag),
      formatNumber(row.real),
      formatNumber(row.synthetic),
      formatNumber(row.absoluteDifference),
      String(row.realPairs),
      String(row.syntheticPairs),
    ]),
  );
  return (
    '### Autocorrelation (pooled over patients, pairs of measured hours)\n\n' +
    `Mean absolute difference: ${formatNumber(meanAbsoluteDifference)} over ${entriesCompared} entries defined on both sides.\n\n${table}`
  );
}

function formatNumber(value: number | null): string {
  if (value === null || Number.isNaN(value)) return '–';
  if (value === Infinity) return '∞';
  if (value === -Infinity) return '−∞';
  if (value === 0 || Math.abs(value) >= 1e-3) return String(Number(value.toPrecision(3)));
  return value.toExponential(2);
}

function markdownTable(header: string[], rows: string[][]): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  const line = (cells: string[]) => `| ${cells.map(escape).join(' | ')} |`;
  return [line(header), `|${header.map(() => ' --- ').join('|')}|`, ...rows.map(line)].join('\n');
}
