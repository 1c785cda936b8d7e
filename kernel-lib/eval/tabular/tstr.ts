/**
 * Train-on-synthetic-test-on-real (TSTR) and train-on-real-test-on-real (TRTR) with one
 * procedure: fit a table encoder and an L2 logistic regression on the training rows, score every
 * real test row, and report AUROC and average precision overall and per test subgroup. A synthetic
 * generator is useful for prediction when TSTR AUROC comes close to TRTR AUROC on the same
 * real test rows.
 */
import { averagePrecision } from '../precision-recall';
import { MetricResult, auroc, missingClassReason } from '../roc';
import { fitTableEncoder } from './encoder';
import { LogisticRegression } from './logistic-regression';
import { Table, checkSchema, checkTable, tableSchema } from './table';

/** A partition of the test rows, such as age bands; `groupOf` returns null for a row outside every group. */
export interface TestSubgroups {
  name: string;
  groupOf: (testRow: number) => string | null;
}

export interface GroupResult {
  group: string;
  /** Test rows in the group. */
  n: number;
  positives: number;
  auroc: MetricResult;
  auprc: MetricResult;
  /** Reason a metric is undefined, and the count of the group's rows with an unseen category, when either applies. */
  note?: string;
}

export interface SubgroupResult {
  name: string;
  /** Groups in order of first appearance among the test rows. */
  groups: GroupResult[];
  /** Test rows for which `groupOf` returned null. */
  unassignedRows: number;
}

export const TRAIN_TEST_STATUSES = ['ok', 'cannot-train'] as const;
export type TrainTestStatus = (typeof TRAIN_TEST_STATUSES)[number];

export interface TrainTestResult {
  status: TrainTestStatus;
  /** Reason the model could not be trained, present only with status 'cannot-train'. */
  reason?: string;
  /** AUROC on the test rows; NaN with a reason when undefined (test rows of one class, or no model). */
  auroc: MetricResult;
  /** Average precision on the test rows; NaN with a reason when undefined. */
  auprc: MetricResult;
  testRows: number;
  /** Test rows that received a score: all of them with status 'ok', 0 with 'cannot-train'. */
  scoredRows: number;
  /** Test rows with at least one category absent from the training rows. */
  unseenCategoryRows: number;
  notes: string[];
  subgroups: SubgroupResult[];
}

export interface TrainTestInput {
  train: Table;
  /** `[train.rows]`, 0 or 1. */
  trainLabels: ArrayLike<number>;
  test: Table;
  /** `[test.rows]`, 0 or 1. */
  testLabels: ArrayLike<number>;
  subgroups?: TestSubgroups[];
  /** L2 penalty of the logistic regression. Default 1. */
  l2?: number;
  /** Names of the two row sets in notes and reasons. Default { train: 'training', test: 'test' }. */
  names?: { train: string; test: string };
}

/** Trains on `train`, scores every row of `test` and reports AUROC and AUPRC overall and per subgroup. */
export function evaluateTrainTest(input: TrainTestInput): TrainTestResult {
  const functionName = 'evaluateTrainTest';
  if (input === null || typeof input !== 'object') {
    throw new Error(`${functionName}: expected { train, trainLabels, test, testLabels }, got ${input}`);
  }
  const { train, trainLabels, test, testLabels, subgroups = [], l2 = 1.0 } = input;
  const names = input.names ?? { train: 'training', test: 'test' };
  checkTable(functionName, 'train', train);
  checkTable(functionName, 'test', test);
  checkSchema(functionName, 'test', test, '`train`', tableSchema(train));
  checkLabelArray(functionName, 'trainLabels', trainLabels, train.rows, 'train');
  checkLabelArray(functionName, 'testLabels', testLabels, test.rows, 'test');
  if (train.rows === 0 || test.rows === 0) {
    throw new Error(`${functionName}: \`train\` and \`test\` need at least one row each, got ${train.rows} and ${test.rows}`);
  }
  checkSubgroups(functionName, subgroups);

  const trainPositives = countPositives(trainLabels);
  if (trainPositives === 0 || trainPositives === train.rows) {
    const label = trainPositives === 0 ? 0 : 1;
    const reason = `cannot train: one class (all ${train.rows} ${names.train} labels are ${label})`;
    const missing: MetricResult = { value: NaN, reason };
    return {
      status: 'cannot-train',
      reason,
      auroc: missing,
      auprc: missing,
      testRows: test.rows,
      scoredRows: 0,
      unseenCategoryRows: 0,
      notes: [reason],
      subgroups: subgroups.map((subgroup) => evaluateSubgroups(subgroup, test.rows, testLabels, null, new Set(), reason, names.train)),
    };
  }

  const encoder = fitTableEncoder(train);
  const trainMatrix = encoder.encode(train);
  const model = new LogisticRegression({ l2 });
  model.fit(trainMatrix, trainLabels);
  const testMatrix = encoder.encode(test);
  const scores = model.predictProba(testMatrix);

  const notes = encoder.notes.map((note) => `${names.train}: ${note}`);
  notes.push(...testMatrix.notes.map((note) => `${names.test}: ${note}`));
  const unseenRows = new Set<number>();
  for (const entry of testMatrix.unseen) for (const r of entry.rows) unseenRows.add(r);
  if (unseenRows.size > 0) {
    const details = testMatrix.unseen.map((entry) => `${entry.column}=${entry.category} in ${entry.rows.length}`).join(', ');
    notes.push(
      `${unseenRows.size} of ${test.rows} ${names.test} rows had a category unseen in ${names.train} (${details}); ` +
        'they were scored with an all-zero one-hot for that column',
    );
  }

  return {
    status: 'ok',
    auroc: auroc(testLabels, scores),
    auprc: averagePrecision(testLabels, scores),
    testRows: test.rows,
    scoredRows: scores.length,
    unseenCategoryRows: unseenRows.size,
    notes,
    subgroups: subgroups.map((subgroup) => evaluateSubgroups(subgroup, test.rows, testLabels, scores, unseenRows, null, names.train)),
  };
}

/** AUROC and AUPRC per group; with `scores` null every metric carries `missingReason`. */
function evaluateSubgroups(
  subgroup: TestSubgroups,
  testRows: number,
  testLabels: ArrayLike<number>,
  scores: Float64Array | null,
  unseenRows: Set<number>,
  missingReason: string | null,
  trainName: string,
): SubgroupResult {
  const members = new Map<string, number[]>();
  let unassignedRows = 0;
  for (let r = 0; r < testRows; r++) {
    const group = subgroup.groupOf(r);
    if (group === null) {
      unassignedRows++;
      continue;
    }
    if (typeof group !== 'string') {
      throw new Error(
        `evaluateTrainTest: subgroup '${subgroup.name}' returned ${String(group)} for test row ${r}; groupOf must return a string or null`,
      );
    }
    const list = members.get(group);
    if (list) list.push(r);
    else members.set(group, [r]);
  }

  const groups: GroupResult[] = [];
  for (const [group, rows] of members) {
    const labels = Float64Array.from(rows, (r) => testLabels[r]);
    const positives = countPositives(labels);
    const result: GroupResult = { group, n: rows.length, positives, auroc: { value: NaN, reason: null }, auprc: { value: NaN, reason: null } };
    if (scores === null) {
      result.auroc = { value: NaN, reason: missingReason };
      result.auprc = { value: NaN, reason: missingReason };
      groups.push(result);
      continue;
    }
    const groupScores = Float64Array.from(rows, (r) => scores[r]);
    result.auroc = auroc(labels, groupScores);
    result.auprc = averagePrecision(labels, groupScores);
    const noteParts: string[] = [];
    const classReason = missingClassReason(positives, rows.length - positives);
    if (classReason !== null) noteParts.push(`AUROC undefined: ${classReason}`);
    const unseenInGroup = rows.filter((r) => unseenRows.has(r)).length;
    if (unseenInGroup > 0) noteParts.push(`${unseenInGroup} of ${rows.length} rows had a category unseen in ${trainName}`);
    if (noteParts.length > 0) result.note = noteParts.join('; ');
    groups.push(result);
  }
  return { name: subgroup.name, groups, unassignedRows };
}

function checkLabelArray(functionName: string, name: string, labels: ArrayLike<number>, rows: number, tableName: string): void {
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') {
    throw new Error(`${functionName}: \`${name}\` must be an array or typed array of 0/1 labels`);
  }
  if (labels.length !== rows) {
    throw new Error(`${functionName}: \`${name}\` has ${labels.length} labels but \`${tableName}\` has ${rows} rows; pass one label per row`);
  }
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) {
      throw new Error(`${functionName}: \`${name}\` must contain only 0 and 1, got ${labels[i]} at index ${i}`);
    }
  }
}

function checkSubgroups(functionName: string, subgroups: TestSubgroups[]): void {
  if (!Array.isArray(subgroups)) {
    throw new Error(`${functionName}: \`subgroups\` must be an array of { name, groupOf }`);
  }
  for (const [k, subgroup] of subgroups.entries()) {
    if (subgroup === null || typeof subgroup !== 'object' || typeof subgroup.name !== 'string' || typeof subgroup.groupOf !== 'function') {
      throw new Error(`${functionName}: \`subgroups[${k}]\` must be { name: string, groupOf: (testRow) => string | null }`);
    }
  }
}

function countPositives(labels: ArrayLike<number>): number {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i];
  return positives;
}

export interface TstrTrtrInput {
  realTrain: Table;
  realTrainLabels: ArrayLike<number>;
  syntheticTrain: Table;
  syntheticTrainLabels: ArrayLike<number>;
  realTest: Table;
  realTestLabels: ArrayLike<number>;
  subgroups?: TestSubgroups[];
  /** L2 penalty of both logistic regressions. Default 1. */
  l2?: number;
}

/** AUROC gap TRTR - TSTR in one group; NaN with a reason when either AUROC is undefined. */
export interface GroupGap {
  group: string;
  aurocGap: MetricResult;
}

export interface TstrTrtrComparison {
  /** Trained on synthetic rows, tested on real rows. */
  tstr: TrainTestResult;
  /** Trained on real rows, tested on the same real rows as `tstr`. */
  trtr: TrainTestResult;
  /** TRTR AUROC - TSTR AUROC: positive when the synthetic training rows predict worse. */
  aurocGap: MetricResult;
  subgroups: { name: string; groups: GroupGap[] }[];
}

/**
 * Runs `evaluateTrainTest` twice on the same real test rows, once trained on real and once on
 * synthetic rows. Each run fits its own encoder and model on its own training rows, so neither
 * uses the other's statistics.
 */
export function compareTstrTrtr(input: TstrTrtrInput): TstrTrtrComparison {
  if (input === null || typeof input !== 'object') {
    throw new Error(`compareTstrTrtr: expected { realTrain, realTrainLabels, syntheticTrain, syntheticTrainLabels, realTest, realTestLabels }, got ${input}`);
  }
  const { realTrain, realTrainLabels, syntheticTrain, syntheticTrainLabels, realTest, realTestLabels, subgroups, l2 } = input;
  const tstr = evaluateTrainTest({
    train: syntheticTrain,
    trainLabels: syntheticTrainLabels,
    test: realTest,
    testLabels: realTestLabels,
    subgroups,
    l2,
    names: { train: 'synthetic training', test: 'real test' },
  });
  const trtr = evaluateTrainTest({
    train: realTrain,
    trainLabels: realTrainLabels,
    test: realTest,
    testLabels: realTestLabels,
    subgroups,
    l2,
    names: { train: 'real training', test: 'real test' },
  });

  const gaps = tstr.subgroups.map((tstrSubgroup, k) => {
    const trtrSubgroup = trtr.subgroups[k];
    const groups = tstrSubgroup.groups.map((tstrGroup) => {
      const trtrGroup = trtrSubgroup.groups.find((candidate) => candidate.group === tstrGroup.group);
      const trtrAuroc: MetricResult = trtrGroup?.auroc ?? { value: NaN, reason: 'group missing from the TRTR run' };
      return { group: tstrGroup.group, aurocGap: aurocDifference(trtrAuroc, tstrGroup.auroc) };
    });
    return { name: tstrSubgroup.name, groups };
  });

  return { tstr, trtr, aurocGap: aurocDifference(trtr.auroc, tstr.auroc), subgroups: gaps };
}

function aurocDifference(trtr: MetricResult, tstr: MetricResult): MetricResult {
  if (trtr.reason !== null) return { value: NaN, reason: `TRTR AUROC undefined: ${trtr.reason}` };
  if (tstr.reason !== null) return { value: NaN, reason: `TSTR AUROC undefined: ${tstr.reason}` };
  return { value: trtr.value - tstr.value, reason: null };
}
