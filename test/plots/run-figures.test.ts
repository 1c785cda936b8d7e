import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildRunFigures, RUN_FIGURE_IDS, sensitivitySpecificityFigure } from '../../kernel-lib/plots/run-figures';
import { makeReportFixture, MARKUP_CLASS } from '../experiment/report-fixture';

function assertClose(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${what} ${expected} ± ${tolerance}, got ${actual}`);
}

test('one figure per id in order', () => {
  assert.equal(
    buildRunFigures(makeReportFixture()).map((figure) => figure.id),
    [...RUN_FIGURE_IDS],
  );
});

test('figures carry no config', () => {
  // report.html sets one config for all figures; a config here would change the page's JSON.
  for (const figure of buildRunFigures(makeReportFixture())) assert.not.ok('config' in figure, `expected no config in ${figure.id}`);
});

test('class names reach plotly escaped', () => {
  const figure = sensitivitySpecificityFigure(makeReportFixture());
  const yaxis = figure.layout.yaxis as { title: { text: string } };
  assert.is(yaxis.title.text, 'value for class &lt;b&gt;x&lt;/b&gt;');
  assert.not.ok(JSON.stringify(figure).includes(MARKUP_CLASS), 'expected no raw <b>x</b>');
});

test('whiskers reach the CI bounds', () => {
  const figure = sensitivitySpecificityFigure(makeReportFixture());
  const realOnly = figure.data[0] as { y: number[]; error_y: { array: number[]; arrayminus: number[] } };
  // The fixture's real-only sensitivity is 0.8123 [0.7411, 0.8744]; 1e-12 covers float subtraction.
  assertClose(realOnly.y[0], 0.8123, 1e-12, 'bar height');
  assertClose(realOnly.error_y.array[0], 0.8744 - 0.8123, 1e-12, 'upper whisker');
  assertClose(realOnly.error_y.arrayminus[0], 0.8123 - 0.7411, 1e-12, 'lower whisker');
});

test.run();
