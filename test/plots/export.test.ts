import { decode } from 'fast-png';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ChromiumNotFoundError } from '../../kernel-lib/plots/chromium';
import { exportFigure, ExportedFile, exportFigures, FiguresManifest } from '../../kernel-lib/plots/export';
import { FigureRenderer } from '../../kernel-lib/plots/figure-renderer';
import { paperLayout } from '../../kernel-lib/plots/paper-layout';
import { readPngSize } from '../../kernel-lib/plots/png-chunks';
import { browserTest, CHROMIUM } from './chromium-for-tests';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-export-'));
let renderer: FigureRenderer | undefined;
let files: ExportedFile[] = [];

function smallFigure() {
  return {
    data: [
      { type: 'scatter', mode: 'lines', name: 'arm A', x: [0, 0.2, 1], y: [0, 0.7, 1] },
      { type: 'scatter', mode: 'lines', name: 'chance', x: [0, 1], y: [0, 1], line: { dash: 'dash' } },
    ],
    layout: { xaxis: { title: { text: 'false-positive rate' } }, yaxis: { title: { text: 'true-positive rate' } } },
  };
}

function fileOf(format: string): ExportedFile {
  const file = files.find((entry) => entry.format === format);
  if (file === undefined) throw new Error(`no ${format} file among ${files.map((entry) => entry.format).join(', ')}`);
  return file;
}

test.before(async () => {
  if (CHROMIUM === null) return;
  renderer = await FigureRenderer.launch();
  files = await exportFigure(paperLayout(smallFigure()), {
    outBase: path.join(work, 'roc'),
    formats: ['svg', 'png', 'pdf'],
    dpi: 150,
    widthInches: 3.5,
    heightInches: 2.5,
    renderer,
  });
});

test.after(async () => {
  await renderer?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

browserTest('writes every format', () => {
  assert.equal(files.map((file) => path.basename(file.path)).sort(), ['roc.html', 'roc.pdf', 'roc.png', 'roc.svg']);
  for (const file of files) {
    const bytes = fs.statSync(file.path).size;
    assert.ok(bytes > 0, `expected ${file.path} to be non-empty`);
    assert.is(file.bytes, bytes, `expected the recorded size of ${file.format} to match the file`);
  }
});

browserTest('SVG is the figure at 96 px per inch', () => {
  const svg = fs.readFileSync(fileOf('svg').path, 'utf8');
  assert.ok(svg.startsWith('<svg'), `expected <svg at the start, got ${svg.slice(0, 20)}`);
  // 3.5 in × 2.5 in at 96 CSS px per inch.
  assert.match(svg, /^<svg[^>]* width="336" height="240"/);
  assert.ok(svg.includes('false-positive rate'), 'expected the axis title as SVG text');
});

browserTest('PNG size is inches times dpi', () => {
  const png = fs.readFileSync(fileOf('png').path);
  // round(3.5 × 150) = 525 and round(2.5 × 150) = 375, read from the IHDR chunk.
  assert.equal(readPngSize(png), { width: 525, height: 375 });
  assert.is(fileOf('png').widthPx, 525);
  assert.is(fileOf('png').heightPx, 375);
});

browserTest('PNG records its dpi', () => {
  const decoded = decode(fs.readFileSync(fileOf('png').path), { checkCrc: true });
  // 150 dpi = 150 / 0.0254 = 5905.5 pixels per metre, stored rounded.
  assert.equal(decoded.resolution, { x: 5906, y: 5906, unit: 1 });
});

browserTest('PDF is one page of the figure size', () => {
  const pdf = fs.readFileSync(fileOf('pdf').path);
  assert.is(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  // 3.5 in × 2.5 in is 252 pt × 180 pt.
  const boxes = pdf.toString('latin1').match(/\/MediaBox \[0 0 [\d.]+ [\d.]+\]/g) ?? [];
  assert.equal(boxes, ['/MediaBox [0 0 252 180]']);
});

browserTest('PDF keeps text as vector', () => {
  const pdf = fs.readFileSync(fileOf('pdf').path).toString('latin1');
  // A page printed from SVG embeds its font; a raster PDF would hold only an image.
  assert.match(pdf, /\/FontFile2|\/FontFile3|\/FontFile /);
  assert.not.match(pdf, /\/Subtype \/Image/);
});

browserTest('HTML page works offline', () => {
  const html = fs.readFileSync(fileOf('html').path, 'utf8');
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  assert.not.match(html, /<script[^>]+src=/);
  assert.ok(html.includes('window.Plotly'), 'expected the plotly.js bundle inlined');
});

browserTest('PNG size rounds inches times dpi', async () => {
  const [png] = await exportFigure(smallFigure(), { outBase: path.join(work, 'odd'), formats: ['png'], html: false, dpi: 300, widthInches: 3.33, heightInches: 2.01, renderer });
  // 3.33 × 300 = 999 and 2.01 × 300 = 603 (602.9999... in float64).
  assert.equal(readPngSize(fs.readFileSync(png.path)), { width: 999, height: 603 });
});

browserTest('batch writes figures.json', async () => {
  const outDir = path.join(work, 'batch');
  const manifest = await exportFigures(
    { roc: paperLayout(smallFigure()), wide: paperLayout(smallFigure(), { widthInches: 7.16, heightInches: 3 }) },
    { outDir, formats: ['svg', 'png'], dpi: 100, html: false, renderer },
  );
  const written = JSON.parse(fs.readFileSync(path.join(outDir, 'figures.json'), 'utf8')) as FiguresManifest;
  assert.equal(written, JSON.parse(JSON.stringify(manifest)));
  assert.equal(
    written.figures.map((figure) => figure.id),
    ['roc', 'wide'],
  );
  const widePng = written.figures[1].files.find((file) => file.format === 'png');
  // The wide figure takes its size from its layout: 687 × 288 CSS px, 7.156 in × 3 in, at 100 dpi.
  assert.equal(widePng, { format: 'png', bytes: fs.statSync(path.join(outDir, 'wide.png')).size, widthPx: 716, heightPx: 300, file: 'wide.png' });
  assert.is(written.chromiumVersion, renderer?.browserVersion);
});

test('missing Chromium still writes the HTML', async () => {
  const outDir = path.join(work, 'no-browser');
  try {
    await exportFigures({ roc: smallFigure() }, { outDir, html: false, env: { PATH: '' } });
    assert.unreachable('expected exportFigures to throw');
  } catch (err) {
    assert.instance(err, ChromiumNotFoundError);
    assert.match((err as Error).message, /^exportFigures: no Chromium found: /);
    assert.match((err as Error).message, /apt-get install chromium/);
    assert.ok((err as Error).message.includes(path.join(outDir, 'roc.html')), 'expected the HTML path in the message');
  }
  assert.ok(fs.existsSync(path.join(outDir, 'roc.html')), 'expected roc.html');
  const manifest = JSON.parse(fs.readFileSync(path.join(outDir, 'figures.json'), 'utf8')) as FiguresManifest;
  assert.equal(
    manifest.figures[0].files.map((file) => file.format),
    ['html'],
  );
  assert.is(manifest.chromiumVersion, null);
});

test('rejects an unknown format', async () => {
  try {
    await exportFigure(smallFigure(), { outBase: path.join(work, 'x'), formats: ['gif' as 'png'] });
    assert.unreachable('expected exportFigure to throw');
  } catch (err) {
    assert.match((err as Error).message, /^exportFigure: unknown format 'gif'; use svg, png, pdf/);
  }
});

test('rejects a dpi below 72', async () => {
  try {
    await exportFigure(smallFigure(), { outBase: path.join(work, 'x'), dpi: 10 });
    assert.unreachable('expected exportFigure to throw');
  } catch (err) {
    assert.match((err as Error).message, /^exportFigure: `dpi` must be between 72 and 2400, got 10/);
  }
});

test('rejects a figure id that is not a file name', async () => {
  try {
    await exportFigures({ '../roc': smallFigure() }, { outDir: work });
    assert.unreachable('expected exportFigures to throw');
  } catch (err) {
    assert.match((err as Error).message, /^exportFigures: figure id '\.\.\/roc' must be a plain file name/);
  }
});

test.run();
