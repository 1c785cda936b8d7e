import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { collectMetricLeaves, compareMetrics, formatMetricTable } from '../../kernel-lib/experiment/reproduce-metrics';

const RECORDED = {
  note: 'text is skipped',
  arms: [
    { arm: 'real-only', metrics: { auc: { value: 0.75, lower: null } } },
    { arm: 'oversampling', metrics: { auc: { value: 0.5, lower: 0.25 } } },
  ],
  seeds: [0, 1],
};

test('leaves are named by arm and index', () => {
  const leaves = collectMetricLeaves(RECORDED);
  assert.equal([...leaves.keys()], [
    'arms[real-only].metrics.auc.value',
    'arms[real-only].metrics.auc.lower',
    'arms[oversampling].metrics.auc.value',
    'arms[oversampling].metrics.auc.lower',
    'seeds[0]',
    'seeds[1]',
  ]);
  assert.is(leaves.get('arms[real-only].metrics.auc.lower'), null);
});

test('identical files are within zero tolerance', () => {
  const rows = compareMetrics(RECORDED, JSON.parse(JSON.stringify(RECORDED)), 0);
  assert.is(rows.length, 6);
  for (const row of rows) assert.ok(row.withinTolerance, `expected ${row.metric} within tolerance`);
});

test('difference is judged against tolerance', () => {
  const reproduced = JSON.parse(JSON.stringify(RECORDED));
  reproduced.arms[1].metrics.auc.value = 0.5005;
  const strict = compareMetrics(RECORDED, reproduced, 0).find((row) => row.metric === 'arms[oversampling].metrics.auc.value')!;
  const loose = compareMetrics(RECORDED, reproduced, 1e-3).find((row) => row.metric === 'arms[oversampling].metrics.auc.value')!;
  assert.is(strict.withinTolerance, false);
  assert.is(loose.withinTolerance, true);
  // |0.5005 − 0.5| in float64.
  assert.ok(Math.abs((strict.absoluteDifference as number) - 0.0005) < 1e-15);
});

test('null against number differs', () => {
  const reproduced = JSON.parse(JSON.stringify(RECORDED));
  reproduced.arms[0].metrics.auc.lower = 0.5;
  const row = compareMetrics(RECORDED, reproduced, 1).find((entry) => entry.metric === 'arms[real-only].metrics.auc.lower')!;
  assert.is(row.withinTolerance, false);
  assert.is(row.absoluteDifference, null);
});

test('leaf missing from one file differs', () => {
  const reproduced = JSON.parse(JSON.stringify(RECORDED));
  reproduced.seeds = [0];
  reproduced.extra = 3;
  const rows = compareMetrics(RECORDED, reproduced, 1);
  assert.is(rows.find((row) => row.metric === 'seeds[1]')!.withinTolerance, false);
  assert.is(rows.find((row) => row.metric === 'extra')!.withinTolerance, false);
});

test('negative tolerance is rejected', () => {
  assert.throws(() => compareMetrics(RECORDED, RECORDED, -1), /compareMetrics: `tolerance` must be a finite number >= 0, got -1/);
});

test('table marks differing rows', () => {
  const reproduced = JSON.parse(JSON.stringify(RECORDED));
  reproduced.seeds[1] = 2;
  const lines = formatMetricTable(compareMetrics(RECORDED, reproduced, 0)).split('\n');
  assert.is(lines.length, 2 + 6);
  assert.match(lines[0], /^metric\s+recorded\s+reproduced\s+abs\. difference\s+within tolerance$/);
  assert.match(lines[lines.length - 1], /^seeds\[1\]\s+1\s+2\s+1\s+DIFFERS$/);
  assert.match(lines[2], /^arms\[real-only\]\.metrics\.auc\.value\s+0\.75\s+0\.75\s+0\s+ok$/);
});

test.run();
