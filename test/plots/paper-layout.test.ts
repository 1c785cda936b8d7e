import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JsonObject } from '../../kernel-lib/plots/figure';
import { paperLayout } from '../../kernel-lib/plots/paper-layout';
import { buildRunFigures } from '../../kernel-lib/plots/run-figures';
import { makeReportFixture } from '../experiment/report-fixture';

function lineFigure() {
  return {
    data: [
      { type: 'scatter', mode: 'lines+markers', x: [0, 1], y: [1, 0], line: { color: '#d62728', width: 3 }, marker: { size: 9 } },
      { type: 'bar', x: ['a'], y: [2], text: ['2'], error_y: { type: 'data', array: [0.5], thickness: 2, width: 6 } },
    ],
    layout: {
      title: { text: 'Loss' },
      xaxis: { title: { text: 'step' }, type: 'log' },
      yaxis: { title: 'value', range: [0, 3] },
      legend: { orientation: 'h', y: -0.2 },
      paper_bgcolor: '#eeeeee',
    },
    config: { responsive: true },
  };
}

test('single column is 3.5 in at 96 px per inch', () => {
  const layout = paperLayout(lineFigure()).layout;
  assert.is(layout.width, 336);
  // Default height is 0.75 of the width: 2.625 in = 252 px.
  assert.is(layout.height, 252);
  assert.is(layout.autosize, false);
});

test('double column is 7.16 in wide', () => {
  const layout = paperLayout(lineFigure(), { widthInches: 7.16, heightInches: 3 }).layout;
  // 7.16 × 96 = 687.36, rounded to whole CSS pixels.
  assert.is(layout.width, 687);
  assert.is(layout.height, 288);
});

test('8 pt font in a standard face', () => {
  const layout = paperLayout(lineFigure()).layout;
  const font = layout.font as JsonObject;
  // 8 pt = 8/72 in = 10.67 CSS px at 96 px per inch.
  assert.is(font.size, 10.67);
  assert.match(String(font.family), /^Arial, Helvetica/);
  assert.is(font.color, '#000000');
  assert.is(((layout.xaxis as JsonObject).tickfont as JsonObject).size, 10.67);
  assert.is((((layout.xaxis as JsonObject).title as JsonObject).font as JsonObject).size, 10.67);
});

test('serif option uses Times', () => {
  const font = paperLayout(lineFigure(), { fontFamily: 'serif', fontSize: 9 }).layout.font as JsonObject;
  assert.match(String(font.family), /^"Times New Roman", Times/);
  assert.is(font.size, 12);
});

test('white background and no mode bar', () => {
  const figure = paperLayout(lineFigure());
  assert.is(figure.layout.paper_bgcolor, '#ffffff');
  assert.is(figure.layout.plot_bgcolor, '#ffffff');
  assert.is(figure.config?.displayModeBar, false);
  assert.is(figure.config?.responsive, false);
});

test('lines, markers and error bars get thin', () => {
  const [scatter, bar] = paperLayout(lineFigure()).data;
  assert.is((scatter.line as JsonObject).width, 1);
  assert.is((scatter.line as JsonObject).color, '#d62728');
  assert.is((scatter.marker as JsonObject).size, 4);
  assert.is((bar.error_y as JsonObject).thickness, 0.75);
  assert.is((bar.error_y as JsonObject).width, 3);
  assert.is((paperLayout(lineFigure()).layout.xaxis as JsonObject).linewidth, 0.75);
});

test('axis settings are kept', () => {
  const layout = paperLayout(lineFigure()).layout;
  assert.is((layout.xaxis as JsonObject).type, 'log');
  assert.equal((layout.yaxis as JsonObject).range, [0, 3]);
  // The string shorthand of an axis title becomes { text }.
  assert.is(((layout.yaxis as JsonObject).title as JsonObject).text, 'value');
});

test('margins are trimmed', () => {
  const margin = paperLayout(lineFigure()).layout.margin as JsonObject;
  assert.is(margin.l, 2);
  assert.is(margin.b, 2);
  // The title needs room at the top: 2.5 lines of 10.67 px.
  assert.is(margin.t, 27);
});

test('legend below the plot moves to the figure edge', () => {
  const legend = paperLayout(lineFigure()).layout.legend as JsonObject;
  assert.is(legend.yref, 'container');
  assert.is(legend.y, 0);
  assert.is(legend.yanchor, 'bottom');
});

test('input figure is not modified', () => {
  const figure = lineFigure();
  const before = JSON.stringify(figure);
  paperLayout(figure);
  assert.is(JSON.stringify(figure), before);
});

test('run figures keep their arm data', () => {
  const [, , roc] = buildRunFigures(makeReportFixture());
  const styled = paperLayout(roc, { widthInches: 3.5, heightInches: 4 });
  assert.equal(styled.data[1].x, roc.data[1].x);
  assert.is(styled.data[1].name, roc.data[1].name);
  // The ROC axes stay square and on [0, 1].
  assert.is((styled.layout.yaxis as JsonObject).scaleanchor, 'x');
  assert.equal((styled.layout.xaxis as JsonObject).range, [0, 1]);
});

test('rejects a width outside 0.5 to 20 in', () => {
  assert.throws(() => paperLayout(lineFigure(), { widthInches: 336 }), /^paperLayout: `widthInches` must be between 0.5 and 20 inches, got 336/);
});

test('rejects an unknown font family', () => {
  assert.throws(() => paperLayout(lineFigure(), { fontFamily: 'cursive' as 'serif' }), /^paperLayout: `fontFamily` must be one of sans-serif, serif, got 'cursive'/);
});

test.run();
