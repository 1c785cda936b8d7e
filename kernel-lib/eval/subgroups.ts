/**
 * A metric per subgroup of the test set (for example AUROC per sex or per scanner) and the mean
 * over the subgroups where it is defined.
 *
 * groups, labels and scores: `[numExamples]` each. A group whose examples all have one class
 * gets a missing value (null, with a reason and a warning), never 0, and means skip it.
 */
import { log } from '../util/log';
import { missingClassReason } from './roc';
import { BinaryMetric, checkArrayLike, checkBinaryInput } from './validate';

/** A group label: a string such as 'female' or a numeric code. */
export type GroupLabel = string | number;

/** The metric on one subgroup. */
export interface SubgroupValue {
  group: GroupLabel;
  /** Number of examples in the group. */
  count: number;
  positives: number;
  negatives: number;
  /** The metric, or null when it is undefined for this group. */
  value: number | null;
  /** Reason the value is missing, or null when value is a number. */
  reason: string | null;
}

export interface SubgroupOptions {
  /** Metric name for reasons and warnings, such as 'AUROC'. */
  metricName: string;
  /**
   * Report a missing value for a group with one class only (default true). Set false for a
   * metric that is defined on one class, such as sensitivity on a group of positives.
   */
  requireBothClasses?: boolean;
}

/**
 * Evaluates `metric` on the examples of each group, in order of first appearance. A missing
 * value (one class only, or the metric returned NaN) is logged once per metric, group and reason
 * through `log.warnOnce`.
 */
export function metricBySubgroup(
  groups: ArrayLike<GroupLabel>,
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  metric: BinaryMetric,
  options: SubgroupOptions,
): SubgroupValue[] {
  checkSubgroupInput(groups, labels, scores, metric, options);
  const requireBothClasses = options.requireBothClasses ?? true;

  // Map preserves insertion order, so groups come out in order of first appearance.
  const members = new Map<GroupLabel, number[]>();
  for (let i = 0; i < groups.length; i++) {
    const list = members.get(groups[i]);
    if (list) list.push(i);
    else members.set(groups[i], [i]);
  }

  const results: SubgroupValue[] = [];
  for (const [group, rows] of members) {
    const groupLabels = Float64Array.from(rows, (i) => labels[i]);
    const groupScores = Float64Array.from(rows, (i) => scores[i]);
    let positives = 0;
    for (const label of groupLabels) positives += label;
    const negatives = rows.length - positives;

    let value: number | null = null;
    let reason = requireBothClasses ? missingClassReason(positives, negatives) : null;
    if (reason === null) {
      const computed = metric(groupLabels, groupScores);
      if (Number.isNaN(computed)) reason = `${options.metricName} returned NaN`;
      else value = computed;
    }
    if (reason !== null) {
      log.warnOnce(
        `metricBySubgroup:${options.metricName}:${String(group)}:${reason}`,
        `metricBySubgroup: ${options.metricName} is undefined for group '${String(group)}': ${reason}. It is reported as missing and left out of subgroup means`,
      );
    }
    results.push({ group, count: rows.length, positives, negatives, value, reason });
  }
  return results;
}

/** Mean of a metric over subgroups, skipping missing values. */
export interface SubgroupMean {
  /** Unweighted mean over the groups with a value, or null when no group has one. */
  mean: number | null;
  /** Number of groups averaged. */
  includedGroups: number;
  /** Groups left out because their value is missing. */
  skippedGroups: GroupLabel[];
}

/** Averages the defined subgroup values with equal weight per group (a macro average). */
export function meanOverSubgroups(values: readonly SubgroupValue[]): SubgroupMean {
  if (!Array.isArray(values)) {
    throw new Error(`meanOverSubgroups: \`values\` must be the array returned by metricBySubgroup, got ${typeof values}`);
  }
  let sum = 0;
  let includedGroups = 0;
  const skippedGroups: GroupLabel[] = [];
  for (const entry of values) {
    if (entry.value === null || Number.isNaN(entry.value)) {
      skippedGroups.push(entry.group);
    } else {
      sum += entry.value;
      includedGroups++;
    }
  }
  return { mean: includedGroups === 0 ? null : sum / includedGroups, includedGroups, skippedGroups };
}

function checkSubgroupInput(
  groups: ArrayLike<GroupLabel>,
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  metric: BinaryMetric,
  options: SubgroupOptions,
): void {
  checkBinaryInput('metricBySubgroup', labels, scores);
  checkArrayLike('metricBySubgroup', 'groups', groups);
  if (groups.length !== labels.length) {
    throw new Error(
      `metricBySubgroup: \`groups\` and \`labels\` must have the same length, got ${groups.length} groups and ${labels.length} labels`,
    );
  }
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i];
    const valid = typeof group === 'string' || (typeof group === 'number' && Number.isFinite(group));
    if (!valid) {
      throw new Error(`metricBySubgroup: \`groups\` must be strings or finite numbers, got ${String(group)} at index ${i}`);
    }
  }
  if (typeof metric !== 'function') {
    throw new Error(`metricBySubgroup: \`metric\` must be a function (labels, scores) => number, got ${typeof metric}`);
  }
  if (typeof options?.metricName !== 'string' || options.metricName === '') {
    throw new Error("metricBySubgroup: `options.metricName` must be a non-empty string such as 'AUROC'");
  }
}
