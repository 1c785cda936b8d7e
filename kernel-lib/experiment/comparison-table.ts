import { markdownText } from '../util/markdown';
import type { ArmSummary, Interval, ReportData } from './report-data';

/** Arm id of the baseline that `differenceFromRealOnly` is measured against. */
export const REAL_ONLY_ARM = 'real-only';

/**
 * Formats a metric with 3 decimals, and NaN as `n/a`. Values that round to zero print as `0.000`
 * (never `-0.000`), and infinities as `inf` / `-inf`.
 */
export function formatMetric(value: number): string {
  if (Number.isNaN(value)) return 'n/a';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  const text = value.toFixed(3);
  return Number(text) === 0 ? '0.000' : text;
}

/** Formats a value with its 95% CI as `0.812 [0.741, 0.874]`, or `n/a` when all three are NaN. */
export function formatInterval(interval: Interval): string {
  const { value, lower, upper } = interval;
  if (Number.isNaN(value) && Number.isNaN(lower) && Number.isNaN(upper)) return 'n/a';
  return `${formatMetric(value)} [${formatMetric(lower)}, ${formatMetric(upper)}]`;
}

/**
 * Formats the AUROC difference of `arm` from the real-only arm: `reference` for the real-only
 * arm itself, `n/a` when the runner recorded no difference.
 */
export function formatAurocDifference(arm: ArmSummary): string {
  const difference = arm.differenceFromRealOnly?.auroc;
  if (difference !== undefined) return formatInterval(difference);
  return arm.arm === REAL_ONLY_ARM ? 'reference' : 'n/a';
}

/**
 * Formats one row per arm as a markdown table, padded so that it also reads aligned in a
 * terminal: sensitivity and specificity of the positive class with 95% CIs, AUROC with CI, ECE,
 * FPR, and the AUROC difference from the real-only arm with its paired-bootstrap CI.
 */
export function formatComparisonTable(data: ReportData): string {
  if (!Array.isArray(data.arms) || data.arms.length === 0) {
    throw new Error('formatComparisonTable: `data.arms` must list at least one arm, got none; run the experiment first');
  }
  for (const arm of data.arms) {
    if (arm.metrics === undefined) {
      throw new Error(`formatComparisonTable: arm '${arm.arm}' has no \`metrics\`; the runner must record them for every arm`);
    }
  }

  const positive = markdownText(data.positiveClass);
  const header = [
    'Arm',
    `Sensitivity (${positive}) [95% CI]`,
    `Specificity (${positive}) [95% CI]`,
    'AUROC [95% CI]',
    'ECE',
    'FPR',
    `AUROC − ${REAL_ONLY_ARM} [95% CI]`,
  ];
  const rows = data.arms.map((arm) => [
    markdownText(arm.arm),
    formatInterval(arm.metrics.sensitivity),
    formatInterval(arm.metrics.specificity),
    formatInterval(arm.metrics.auroc),
    formatMetric(arm.metrics.ece.value),
    formatMetric(arm.metrics.fpr.value),
    formatAurocDifference(arm),
  ]);

  // Column width in code points, so that `−` and non-ASCII class names pad correctly.
  const widths = header.map((cell, column) => Math.max(length(cell), ...rows.map((row) => length(row[column]))));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell + ' '.repeat(widths[column] - length(cell))).join(' | ')} |`;
  const rule = `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}


function length(text: string): number {
  return Array.from(text).length;
}
