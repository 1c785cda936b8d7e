import { FidelityReport } from './fidelity-report';
import { IntervalEstimate } from './frechet-bootstrap';

/** Formats a number with 3 significant digits, in exponent form below 0.001. */
export function formatMetric(value: number | null): string {
  if (value === null || Number.isNaN(value)) return '–';
  if (value === 0 || Math.abs(value) >= 1e-3) return String(Number(value.toPrecision(3)));
  return value.toExponential(2);
}

function formatInterval(estimate: IntervalEstimate | null): string {
  if (estimate === null) return '–';
  return `${formatMetric(estimate.value)} [${formatMetric(estimate.lower)}, ${formatMetric(estimate.upper)}]`;
}

/**
 * Formats a fidelity report as a plain-text table, one row per rare class and generation seed,
 * columns padded to their widest cell, for example
 *
 *     class     seed  n   FID [95% CI]       floor FID [95% CI]  KID ± sd  …
 *     effusion     0  8   1.23 [0.9, 2.1]    0.61 [0.4, 1.2]     …
 */
export function formatFidelityTable(report: FidelityReport): string {
  const level = Math.round(report.settings.confidenceLevel * 100);
  const header = [
    'class',
    'seed',
    'n',
    `FID [${level}% CI]`,
    `floor FID [${level}% CI]`,
    'KID ± sd',
    'precision',
    'recall',
    'confidence',
    'IS',
    'nearest px',
  ];
  const rows = report.results.map((result) => [
    result.className,
    String(result.seed),
    String(result.sampleSize),
    formatInterval(result.fid),
    formatInterval(result.fidFloor),
    result.kid === null ? '–' : `${formatMetric(result.kid.mean)} ± ${formatMetric(result.kid.std)}`,
    formatMetric(result.precision),
    formatMetric(result.recall),
    formatMetric(result.classConfidence?.meanProbability ?? null),
    formatMetric(result.classConfidence?.inceptionScore ?? null),
    formatMetric(result.memorisation.minPixelDistance),
  ]);
  // The class name is left-aligned, every other column right-aligned.
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column].length)));
  const formatRow = (row: string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  return [formatRow(header), ...rows.map(formatRow)].join('\n');
}
