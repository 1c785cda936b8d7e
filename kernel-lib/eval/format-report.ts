import { markdownText } from '../util/markdown';
import { BinaryReport, HEADLINE_METRICS, HeadlineMetric } from './report';

const LABELS: Record<HeadlineMetric, string> = {
  sensitivity: 'Sensitivity',
  specificity: 'Specificity',
  ppv: 'PPV (precision)',
  npv: 'NPV',
  f1: 'F1',
  fpr: 'False-positive rate',
  accuracy: 'Accuracy',
  auroc: 'AUROC',
  auprc: 'AUPRC (average precision)',
  ece: 'ECE',
  brier: 'Brier score',
  sensitivityAtSpecificity: 'Sensitivity at target specificity',
  tp: 'True positives',
  fp: 'False positives',
  tn: 'True negatives',
  fn: 'False negatives',
};

const COUNTS: ReadonlySet<HeadlineMetric> = new Set(['tp', 'fp', 'tn', 'fn']);

function cell(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'undefined';
}

/**
 * Formats an `evaluateBinary` report as a Markdown table: each metric with its bootstrap
 * interval, then the settings that produced it (threshold, bins, resamples, test counts).
 */
export function formatBinaryReport(report: BinaryReport): string {
  const level = Math.round(report.level * 100);
  const lines = [
    `| Metric (positive class: ${markdownText(report.positiveClass)}) | Value | ${level}% CI |`,
    '|---|---:|---:|',
  ];
  for (const metric of HEADLINE_METRICS) {
    const interval = report[metric];
    const digits = COUNTS.has(metric) ? 0 : 3;
    const label = metric === 'sensitivityAtSpecificity' ? `Sensitivity at ${Math.round(report.targetSpecificity * 100)}% specificity` : LABELS[metric];
    lines.push(`| ${label} | ${cell(interval.value, digits)} | ${cell(interval.lower, digits)} to ${cell(interval.upper, digits)} |`);
  }
  lines.push(
    '',
    `Test split: ${report.numExamples} images (${report.numPositives} positive, ${report.numNegatives} negative); threshold ${report.threshold.toFixed(4)}; ` +
      `ECE with ${report.bins} equal-width bins; ${report.resamples} bootstrap resamples (percentile method).`,
  );
  if (report.undefinedReasons.length > 0) lines.push('', ...report.undefinedReasons.map((reason) => `- undefined: ${markdownText(reason)}`));
  return lines.join('\n');
}
