import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PlotlyFigure, toPlotlyJson } from '../../kernel-lib/plots/figure';

test('non-finite numbers become null', () => {
  const json = toPlotlyJson({ data: [{ y: [1, NaN, Infinity, -Infinity, -0, 2.5] }], layout: {} });
  assert.equal(json.data[0].y, [1, null, null, null, 0, 2.5]);
  assert.ok(Object.is((json.data[0].y as number[])[4], 0), 'expected -0 written as 0');
});

test('typed arrays become plain arrays', () => {
  const json = toPlotlyJson({
    data: [{ x: new Float32Array([0.5, NaN]), y: new Int32Array([1, -2]), z: new Uint8Array([255]), w: new Float64Array([Infinity, 0.25]) }],
    layout: {},
  });
  const trace = json.data[0];
  assert.ok(Array.isArray(trace.x), 'expected x to be an Array');
  // 0.5 and 0.25 are exact in float32 and float64, so no tolerance is needed.
  assert.equal(trace.x, [0.5, null]);
  assert.equal(trace.y, [1, -2]);
  assert.equal(trace.z, [255]);
  assert.equal(trace.w, [null, 0.25]);
});

test('nested values convert at any depth', () => {
  const figure: PlotlyFigure = {
    data: [{ type: 'heatmap', z: [new Float32Array([1, NaN]), [new Float64Array([-Infinity])]], customdata: [{ count: NaN }] }],
    layout: { xaxis: { range: [0, Infinity], title: { text: 'fpr', font: { size: 8 } } }, when: new Date(Date.UTC(2024, 0, 2)) },
    config: { toImageButtonOptions: { scale: NaN } },
  };
  const json = toPlotlyJson(figure);
  assert.equal(json.data[0].z, [[1, null], [[null]]]);
  assert.equal(json.data[0].customdata, [{ count: null }]);
  assert.equal(json.layout.xaxis, { range: [0, null], title: { text: 'fpr', font: { size: 8 } } });
  assert.is(json.layout.when, '2024-01-02T00:00:00.000Z');
  assert.equal(json.config, { toImageButtonOptions: { scale: null } });
});

test('result survives a JSON round trip', () => {
  const json = toPlotlyJson({
    data: [{ x: new Float32Array([1, 2]), y: [NaN, 3], name: 'a</script>\u2028b', marker: { size: undefined, color: ['red', undefined] } }],
    layout: { title: { text: 'T' }, annotations: [] },
  });
  assert.equal(JSON.parse(JSON.stringify(json)), json);
  assert.not.ok('size' in (json.data[0].marker as object), 'expected an undefined key to be dropped');
  assert.equal((json.data[0].marker as { color: unknown }).color, ['red', null]);
});

test('input is not modified', () => {
  const y = new Float32Array([1, NaN]);
  const figure = { data: [{ y }], layout: { width: Infinity } };
  toPlotlyJson(figure);
  assert.ok(Number.isNaN(y[1]), 'expected the typed array unchanged');
  assert.is(figure.layout.width, Infinity);
});

test('config is absent unless given', () => {
  assert.not.ok('config' in toPlotlyJson({ data: [], layout: {} }), 'expected no config key');
});

test('rejects a figure without data', () => {
  assert.throws(() => toPlotlyJson({ layout: {} } as unknown as PlotlyFigure), /^toPlotlyJson: `figure.data` must be an array of traces, got undefined/);
});

test('rejects a non-object layout', () => {
  assert.throws(() => toPlotlyJson({ data: [], layout: 'x' } as unknown as PlotlyFigure), /^toPlotlyJson: `figure.layout` must be an object, got string/);
});

test('rejects a function and names its path', () => {
  const figure = { data: [{ marker: { color: () => 'red' } }], layout: {} };
  assert.throws(() => toPlotlyJson(figure), /^toPlotlyJson: `data\[0\].marker.color` is a function/);
});

test('rejects a Map', () => {
  assert.throws(() => toPlotlyJson({ data: [], layout: { meta: new Map() } }), /^toPlotlyJson: `layout.meta` is a Map/);
});

test('rejects a cycle', () => {
  const layout: Record<string, unknown> = {};
  layout.self = { parent: layout };
  assert.throws(() => toPlotlyJson({ data: [], layout }), /^toPlotlyJson: `layout.self.parent` refers back to an enclosing object/);
});

test('accepts a shared object that is not a cycle', () => {
  const line = { width: 2 };
  const json = toPlotlyJson({ data: [{ line }, { line }], layout: {} });
  assert.equal(json.data[1].line, { width: 2 });
});

test.run();
