import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { confusionCounts, sensitivity } from '../../kernel-lib/eval/binary';
import { auroc } from '../../kernel-lib/eval/roc';
import { meanOverSubgroups, metricBySubgroup } from '../../kernel-lib/eval/subgroups';
import { setLogSink } from '../../kernel-lib/util/log';

function assertClose(actual: number, expected: number, tolerance: number, name: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${name}: expected ${expected} ± ${tolerance}, but got ${actual}`);
}

const aurocValue = (labels: Float64Array, scores: Float64Array): number => auroc(labels, scores).value;

// Group 'a' is the AUROC hand case: labels [1, 1, 0, 0] and scores [0.9, 0.4, 0.6, 0.1] give
// AUROC 0.75 by counting pairs. Group 'b' contains positives only.
const groups = ['a', 'a', 'b', 'a', 'a', 'b'];
const labels = [1, 1, 1, 0, 0, 1];
const scores = [0.9, 0.4, 0.3, 0.6, 0.1, 0.2];

/** Runs `body` with log output captured; returns its result and the warnings logged. */
function withWarnings<T>(body: () => T): { result: T; warnings: string[] } {
  const warnings: string[] = [];
  const previous = setLogSink((level, message) => {
    if (level === 'warn') warnings.push(message);
  });
  try {
    return { result: body(), warnings };
  } finally {
    setLogSink(previous);
  }
}

test('auroc per group', () => {
  const { result } = withWarnings(() => metricBySubgroup(groups, labels, scores, aurocValue, { metricName: 'AUROC per group' }));
  const [a, b] = result;
  assert.is(a.group, 'a');
  assert.is(a.count, 4);
  assertClose(a.value ?? NaN, 0.75, 1e-12, 'AUROC of group a');
  assert.is(a.reason, null);
  assert.is(b.group, 'b');
  assert.is(b.value, null);
  assert.match(b.reason ?? '', /only positive examples \(2 positives, 0 negatives\)/);
});

test('one-class group does not drag the mean', () => {
  const { result } = withWarnings(() => metricBySubgroup(groups, labels, scores, aurocValue, { metricName: 'AUROC mean' }));
  const mean = meanOverSubgroups(result);
  assertClose(mean.mean ?? NaN, 0.75, 1e-12, 'mean over defined groups');
  assert.is(mean.includedGroups, 1);
  assert.equal(mean.skippedGroups, ['b']);
});

test('one-class group warns once', () => {
  const { warnings } = withWarnings(() => {
    metricBySubgroup(groups, labels, scores, aurocValue, { metricName: 'AUROC warn' });
    metricBySubgroup(groups, labels, scores, aurocValue, { metricName: 'AUROC warn' });
  });
  assert.is(warnings.length, 1);
  assert.match(warnings[0], /AUROC warn is undefined for group 'b': only positive examples \(2 positives, 0 negatives\)/);
});

test('NaN from the metric is missing', () => {
  const alwaysNaN = (): number => NaN;
  const { result, warnings } = withWarnings(() =>
    metricBySubgroup(['a', 'a'], [1, 0], [0.9, 0.1], alwaysNaN, { metricName: 'broken metric' }),
  );
  assert.is(result[0].value, null);
  assert.is(result[0].reason, 'broken metric returned NaN');
  assert.is(warnings.length, 1);
});

test('one class allowed when requested', () => {
  const sensitivityValue = (y: Float64Array, s: Float64Array): number => sensitivity(confusionCounts(y, s, 0.25));
  const [, b] = metricBySubgroup(groups, labels, scores, sensitivityValue, {
    metricName: 'sensitivity',
    requireBothClasses: false,
  });
  // Group b: scores 0.3 and 0.2 at threshold 0.25 give tp 1, fn 1.
  assert.is(b.value, 0.5);
});

test('groups keep order of first appearance', () => {
  const values = metricBySubgroup([2, 1, 2, 1], [1, 0, 0, 1], [0.8, 0.3, 0.2, 0.7], aurocValue, { metricName: 'AUROC order' });
  assert.equal(
    values.map((entry) => entry.group),
    [2, 1],
  );
  assert.equal(
    values.map((entry) => entry.value),
    [1, 1],
  );
});

test('mean is null when no group is defined', () => {
  const { result, warnings } = withWarnings(() =>
    metricBySubgroup(['x', 'y'], [1, 0], [0.5, 0.5], aurocValue, { metricName: 'AUROC none' }),
  );
  assert.is(warnings.length, 2);
  const mean = meanOverSubgroups(result);
  assert.is(mean.mean, null);
  assert.equal(mean.skippedGroups, ['x', 'y']);
});

test('rejects mismatched groups', () => {
  assert.throws(
    () => metricBySubgroup(['a'], [1, 0], [0.5, 0.5], aurocValue, { metricName: 'AUROC' }),
    /metricBySubgroup: `groups` and `labels` must have the same length, got 1 groups and 2 labels/,
  );
  assert.throws(
    () => metricBySubgroup(['a', undefined as unknown as string], [1, 0], [0.5, 0.5], aurocValue, { metricName: 'AUROC' }),
    /`groups` must be strings or finite numbers, got undefined at index 1/,
  );
});

test.run();
