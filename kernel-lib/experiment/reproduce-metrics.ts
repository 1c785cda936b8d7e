/**
 * Comparison of two `metrics.json` files, leaf by leaf, for `medsynth reproduce`.
 */

/** One numeric leaf of a metrics file, in both runs. */
export interface MetricDifference {
  /** Dotted path of the leaf, with array items named by their `arm` or `name` field, e.g. `arms[real-only].metrics.f1.value`. */
  metric: string;
  /** Recorded value; null where the recorded file has null or no such leaf. */
  recorded: number | null;
  /** Reproduced value; null where the reproduced file has null or no such leaf. */
  reproduced: number | null;
  /** |reproduced − recorded|, or null unless both are numbers. */
  absoluteDifference: number | null;
  withinTolerance: boolean;
}

/** Label of an array item in a leaf path: its `arm` or `name` string field, else its index. */
function itemLabel(item: unknown, index: number): string {
  if (item !== null && typeof item === 'object') {
    const record = item as Record<string, unknown>;
    if (typeof record.arm === 'string') return record.arm;
    if (typeof record.name === 'string') return record.name;
  }
  return String(index);
}

/**
 * Collects every numeric leaf of a parsed JSON value, and every null leaf (a metric that could
 * not be computed), keyed by its path. Strings and booleans are descriptions, not metrics, so
 * they are skipped.
 */
export function collectMetricLeaves(value: unknown, prefix = '', out = new Map<string, number | null>()): Map<string, number | null> {
  if (typeof value === 'number') {
    out.set(prefix, value);
  } else if (value === null) {
    if (prefix !== '') out.set(prefix, null);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => collectMetricLeaves(item, `${prefix}[${itemLabel(item, index)}]`, out));
  } else if (typeof value === 'object') {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      collectMetricLeaves(child, prefix === '' ? key : `${prefix}.${key}`, out);
    }
  }
  return out;
}

/**
 * Compares every metric leaf of `recorded` with the same leaf of `reproduced`, in recorded
 * order followed by leaves found only in `reproduced`. A leaf is within tolerance when both
 * values are null, or both are numbers with |reproduced − recorded| ≤ `tolerance`. NaN never is.
 */
export function compareMetrics(recorded: unknown, reproduced: unknown, tolerance: number): MetricDifference[] {
  if (!Number.isFinite(tolerance) || tolerance < 0) {
    throw new Error(`compareMetrics: \`tolerance\` must be a finite number >= 0, got ${tolerance}`);
  }
  const recordedLeaves = collectMetricLeaves(recorded);
  const reproducedLeaves = collectMetricLeaves(reproduced);
  const metrics = [...recordedLeaves.keys(), ...[...reproducedLeaves.keys()].filter((key) => !recordedLeaves.has(key))];

  return metrics.map((metric) => {
    const before = recordedLeaves.get(metric) ?? null;
    const after = reproducedLeaves.get(metric) ?? null;
    const bothNumbers = before !== null && after !== null;
    const absoluteDifference = bothNumbers ? Math.abs(after - before) : null;
    // A leaf present in one file only counts as a difference even when its value is null.
    const inBoth = recordedLeaves.has(metric) && reproducedLeaves.has(metric);
    const withinTolerance = inBoth && (bothNumbers ? (absoluteDifference as number) <= tolerance || before === after : before === after);
    return { metric, recorded: before, reproduced: after, absoluteDifference, withinTolerance };
  });
}

function formatNumber(value: number | null): string {
  return value === null ? '-' : String(value);
}

/**
 * Formats the comparison as a plain-text table: metric, recorded, reproduced, absolute
 * difference, and `ok` or `DIFFERS` in the last column.
 */
export function formatMetricTable(rows: MetricDifference[]): string {
  const header = ['metric', 'recorded', 'reproduced', 'abs. difference', 'within tolerance'];
  const cells = rows.map((row) => [
    row.metric,
    formatNumber(row.recorded),
    formatNumber(row.reproduced),
    formatNumber(row.absoluteDifference),
    row.withinTolerance ? 'ok' : 'DIFFERS',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => cell[column].length)));
  const line = (cell: string[]) =>
    cell
      .map((text, column) => text.padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}
