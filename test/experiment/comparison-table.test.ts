import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatComparisonTable, formatInterval, formatMetric } from '../../kernel-lib/experiment/comparison-table';
import { makeReportFixture } from './report-fixture';

/** Trimmed cells of one markdown table line; `\|` inside a cell does not split it. */
function cells(line: string): string[] {
  return line
    .replace(/^\| /, '')
    .replace(/ \|$/, '')
    .split(/ (?<!\\)\| /)
    .map((cell) => cell.trim());
}

test('formatMetric rounds to 3 decimals', () => {
  assert.is(formatMetric(0.81234), '0.812');
  assert.is(formatMetric(1), '1.000');
  // 0.8125 is exact in binary, so toFixed rounds the tie up.
  assert.is(formatMetric(0.8125), '0.813');
  assert.is(formatMetric(-0.25), '-0.250');
});

test('formatMetric writes NaN as n/a', () => {
  assert.is(formatMetric(NaN), 'n/a');
});

test('formatMetric drops the sign of zero', () => {
  assert.is(formatMetric(-0.0001), '0.000');
  assert.is(formatMetric(-0), '0.000');
});

test('formatInterval writes value and bounds', () => {
  assert.is(formatInterval({ value: 0.8123, lower: 0.7411, upper: 0.8744 }), '0.812 [0.741, 0.874]');
  assert.is(formatInterval({ value: NaN, lower: NaN, upper: NaN }), 'n/a');
  assert.is(formatInterval({ value: 0.5, lower: NaN, upper: 0.7 }), '0.500 [n/a, 0.700]');
});

test('table has a header, a rule and one row per arm', () => {
  const lines = formatComparisonTable(makeReportFixture()).split('\n');
  assert.is(lines.length, 5);
  assert.match(lines[1], /^\| -+ \| -+ \| -+ \| -+ \| -+ \| -+ \| -+ \|$/);
  assert.equal(
    lines.slice(2).map((line) => cells(line)[0]),
    ['real-only', 'real+synthetic', 'synthetic-only'],
  );
});

test('header names the escaped positive class', () => {
  const header = cells(formatComparisonTable(makeReportFixture()).split('\n')[0]);
  assert.is(header.length, 7);
  // HTML specials become entities: the table also reaches Markdown renderers that allow raw HTML.
  assert.is(header[1], 'Sensitivity (&lt;b&gt;x&lt;/b&gt;) [95% CI]');
  assert.is(header[6], 'AUROC − real-only [95% CI]');
});

test('rows hold the formatted metrics', () => {
  const lines = formatComparisonTable(makeReportFixture()).split('\n');
  assert.equal(cells(lines[2]), [
    'real-only',
    '0.812 [0.741, 0.874]',
    '0.900 [0.850, 0.950]',
    '0.800 [0.750, 0.850]',
    '0.050',
    '0.100',
    'reference',
  ]);
  assert.equal(cells(lines[3]).slice(3), ['0.860 [0.820, 0.900]', '0.050', '0.100', '0.060 [0.020, 0.100]']);
  assert.is(cells(lines[4])[4], 'n/a');
  assert.is(cells(lines[4])[6], '-0.200 [-0.300, -0.100]');
});

test('arm without a difference shows n/a', () => {
  const data = makeReportFixture();
  data.arms[2].differenceFromRealOnly = undefined;
  const lines = formatComparisonTable(data).split('\n');
  assert.is(cells(lines[4])[6], 'n/a');
});

test('columns are padded to one width', () => {
  const lines = formatComparisonTable(makeReportFixture()).split('\n');
  const widths = lines.map((line) => Array.from(line).length);
  for (const width of widths) assert.is(width, widths[0]);
});

test('pipe in an arm id is escaped', () => {
  const data = makeReportFixture();
  data.arms[1].arm = 'real|synthetic';
  const row = cells(formatComparisonTable(data).split('\n')[3]);
  assert.is(row.length, 7);
  assert.is(row[0], 'real\\|synthetic');
});

test('rejects a report without arms', () => {
  const data = makeReportFixture();
  data.arms = [];
  assert.throws(() => formatComparisonTable(data), /^formatComparisonTable: `data.arms` must list at least one arm, got none/);
});

test.run();
