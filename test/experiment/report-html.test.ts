import { readFileSync } from 'fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderReportHtml } from '../../kernel-lib/experiment/report-html';
import { INJECTION_TEXT, MARKUP_CLASS, makeReportFixture } from './report-fixture';

const FIGURE_IDS = ['plot-class-counts', 'plot-diffusion-loss', 'plot-roc', 'plot-sensitivity-specificity', 'plot-reliability'];

// Rendered once: the page inlines the 4.8 MB plotly bundle, so each render takes a noticeable time.
const html = renderReportHtml(makeReportFixture());

interface Figure {
  id: string;
  data: { name?: string; x?: unknown[]; y?: unknown[] }[];
  layout: Record<string, unknown>;
}

function figureData(page: string): Figure[] {
  const match = page.match(/<script type="application\/json" id="figure-data">([\s\S]*?)<\/script>/);
  assert.ok(match, 'expected a figure-data script element');
  return JSON.parse(match![1]) as Figure[];
}

/** Cell texts of the table row whose row header is `label`. */
function rowCells(page: string, label: string): string[] {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const row = page.match(new RegExp(`<tr><th scope="row">${escaped}</th>(.*?)</tr>`));
  assert.ok(row, `expected a table row headed '${label}'`);
  return Array.from(row![1].matchAll(/<td[^>]*>(.*?)<\/td>/g), (cell) => cell[1]);
}

test('plotly bundle is inlined', () => {
  const bundle = readFileSync(require.resolve('plotly.js-dist-min'), 'utf8');
  assert.ok(html.includes(bundle.slice(0, 2000)), 'expected the start of the plotly.js bundle in the page');
  assert.ok(html.includes(bundle.slice(-2000)), 'expected the end of the plotly.js bundle in the page');
  assert.ok(html.length > bundle.length, `expected the page (${html.length} chars) to be longer than the bundle (${bundle.length})`);
});

test('page loads nothing from outside', () => {
  assert.not.match(html, /<script\b[^>]*\bsrc\s*=/i);
  assert.not.match(html, /<link\b/i);
  assert.not.match(html, /<img\b[^>]*\bsrc\s*=\s*"(?!data:image\/png;base64,)/i);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
});

test('page has exactly three script elements', () => {
  // A fourth would mean user text closed a script element and opened another.
  const scripts = html.match(/<script\b/gi) ?? [];
  assert.is(scripts.length, 3);
});

test('figure JSON has no raw angle brackets', () => {
  const json = html.match(/<script type="application\/json" id="figure-data">([\s\S]*?)<\/script>/)![1];
  // Hover templates contain `<br>`, so this fails if `<` is not written as \u003c.
  assert.not.ok(json.includes('<'), 'expected < written as \\u003c in the figure JSON');
  assert.ok(json.includes('\\u003cbr\\u003e'), 'expected the escaped <br> of the hover templates');
});

test('one plot div per figure', () => {
  const divIds = Array.from(html.matchAll(/<div class="plot" id="([^"]+)"/g), (match) => match[1]);
  assert.equal(divIds, FIGURE_IDS);
  assert.equal(
    figureData(html).map((figure) => figure.id),
    FIGURE_IDS,
  );
});

test('user strings are escaped', () => {
  assert.not.ok(html.includes(MARKUP_CLASS), 'expected no raw <b>x</b> in the page');
  assert.ok(html.includes('&lt;b&gt;x&lt;/b&gt;'), 'expected the class name escaped as &lt;b&gt;x&lt;/b&gt;');
  assert.not.ok(html.includes(INJECTION_TEXT), 'expected the injected script end tag to be escaped');
  assert.ok(html.includes('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;'));
  assert.ok(html.includes('<title>Rare-class augmentation &amp; &lt;test&gt;</title>'));
  assert.ok(html.includes('/data/phantom &quot;discs&quot;'));
});

test('plot labels escape markup for plotly', () => {
  const counts = figureData(html).find((figure) => figure.id === 'plot-class-counts')!;
  assert.equal(counts.data[0].x, ['benign', '&lt;b&gt;x&lt;/b&gt;']);
  // Plotly reads `<b>` in labels as bold, so the raw name must never reach it.
  const json = JSON.stringify(figureData(html));
  assert.not.ok(json.includes(MARKUP_CLASS), 'expected no raw <b>x</b> in figure data');
});

test('figures carry the arm data', () => {
  const figures = figureData(html);
  const roc = figures.find((figure) => figure.id === 'plot-roc')!;
  assert.is(roc.data.length, 4, 'expected the diagonal and three arms');
  assert.is(roc.data[0].name, 'chance');
  assert.equal(roc.data[0].x, [0, 1]);
  assert.is(roc.data[1].name, 'real-only (AUROC 0.800)');
  assert.equal(roc.data[1].x, [0, 0.1, 0.3, 1]);
  assert.equal(roc.data[1].y, [0, 0.5, 0.8, 1]);
  const reliability = figures.find((figure) => figure.id === 'plot-reliability')!;
  // NaN bins become null, which plotly draws as a gap.
  assert.equal(reliability.data[1].y, [0.04, 0.2, 0.5, 0.7, null]);
  assert.is(reliability.data[3].name, 'synthetic-only (ECE n/a)');
});

test('loss axis ticks cover the loss range', () => {
  const loss = figureData(html).find((figure) => figure.id === 'plot-diffusion-loss') as unknown as {
    layout: { yaxis: { type: string; tickvals: number[]; ticktext: string[] } };
  };
  // Losses of the fixture span [0.061, 1], so decades 0.01 to 1.
  assert.is(loss.layout.yaxis.type, 'log');
  assert.equal(loss.layout.yaxis.tickvals, [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5]);
  assert.equal(loss.layout.yaxis.ticktext, ['0.01', '0.02', '0.05', '0.1', '0.2', '0.5', '1', '2', '5']);
});

test('table shows intervals with 3 decimals', () => {
  assert.equal(rowCells(html, 'Sensitivity (recall)'), [
    'higher',
    '0.812 [0.741, 0.874]',
    '0.500 [0.400, 0.600]',
    '0.500 [0.400, 0.600]',
  ]);
  assert.equal(rowCells(html, 'SD of specificity'), ['', '0.010', '0.010', '0.010']);
});

test('table shows NaN as n/a', () => {
  assert.is(rowCells(html, 'AUPRC')[3], 'n/a');
  assert.is(rowCells(html, 'ECE (expected calibration error)')[3], 'n/a [0.100, 0.200]');
  assert.is(rowCells(html, 'SD of ECE')[1], 'n/a');
});

test('differences name the reference arm', () => {
  const auroc = rowCells(html, 'Δ AUROC');
  assert.equal(auroc, ['higher', 'reference', '0.060 [0.020, 0.100]', '-0.200 [-0.300, -0.100]']);
  assert.is(rowCells(html, 'Δ specificity')[2], 'n/a');
  assert.match(html, /<td class="excludes-zero">0\.060 \[0\.020, 0\.100\]<\/td>/);
  assert.match(html, /<td>-0\.010 \[-0\.050, 0\.030\]<\/td>/);
});

test('every synthetic image is labelled', () => {
  const urls = Object.values(makeReportFixture().generation.perClass[0].examples).flat();
  const figures = html.match(/<figure class="synthetic"><img src="[^"]+" alt="SYNTHETIC [^"]*"><figcaption>SYNTHETIC<\/figcaption><\/figure>/g) ?? [];
  assert.is(figures.length, urls.length);
  for (const url of urls) assert.ok(html.includes(`<img src="${url}"`), 'expected each data URL as an img src');
  assert.match(html, /image-rendering: pixelated/);
});

test('accepted samples come first', () => {
  const headings = Array.from(html.matchAll(/<h4>(.*?) <span/g), (match) => match[1]);
  assert.equal(headings, ['Accepted', 'Rejected: low-confidence', 'Rejected: memorised']);
});

test('notice states the real test split', () => {
  assert.match(html, /Every metric in this report comes from the REAL held-out test split/);
  assert.match(html, /Synthetic images are marked SYNTHETIC/);
  assert.ok(html.includes('<li>Positive class: &lt;b&gt;x&lt;/b&gt;</li>'));
});

test('same data renders the same page', () => {
  const again = renderReportHtml(makeReportFixture());
  assert.ok(again === html, 'expected byte-identical output for equal data');
});

test('rejects an image that is not a PNG data URL', () => {
  const data = makeReportFixture();
  data.generation.perClass[0].examples.accepted.push('javascript:alert(1)');
  assert.throws(() => renderReportHtml(data), /^renderReportHtml: class '<b>x<\/b>' example 3 of 'accepted' must be a base64 PNG data URL/);
});

test('rejects train counts of the wrong length', () => {
  const data = makeReportFixture();
  data.arms[1].trainCounts = [1, 2, 3];
  assert.throws(() => renderReportHtml(data), /^renderReportHtml: arm 'real\+synthetic' `trainCounts` must have one count per class \(2\), got 3/);
});

test('rejects a positive class outside classNames', () => {
  const data = makeReportFixture();
  data.positiveClass = 'malignant';
  assert.throws(() => renderReportHtml(data), /^renderReportHtml: `positiveClass` 'malignant' is not one of `classNames`/);
});

test('rejects ROC arrays of unequal length', () => {
  const data = makeReportFixture();
  data.arms[0].roc.tpr.pop();
  assert.throws(() => renderReportHtml(data), /^renderReportHtml: arm 'real-only' `roc.fpr` and `roc.tpr` must have the same length, got 4 and 3/);
});

test.run();
