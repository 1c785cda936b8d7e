import { decode } from 'fast-png';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ChromiumNotFoundError } from '../../kernel-lib/plots/chromium';
import { toPlotlyJson } from '../../kernel-lib/plots/figure';
import { plotlyJsDisplayData, plotlyMimeBundle, PLOTLY_MIME_TYPE } from '../../kernel-lib/plots/mime-bundle';
import { loadPlotlyBundle } from '../../kernel-lib/plots/plotly-bundle';
import { browserTest } from './chromium-for-tests';

/** Text that would close the loader's script element and run code if it reached HTML raw. */
const INJECTION = '</script><img src=x onerror=alert(1)>';

function figure() {
  return {
    data: [{ type: 'bar', x: ['a', 'b'], y: [1, NaN], name: INJECTION }],
    layout: { title: { text: `${INJECTION}\u2028line` }, width: 200, height: 150 },
  };
}

/** Search with an empty PATH, so that no Chromium is found. */
const NO_CHROMIUM = { env: { PATH: '' } };

test('bundle holds plotly JSON, HTML and text', async () => {
  const bundle = await plotlyMimeBundle(figure(), { png: 'never' });
  assert.equal(Object.keys(bundle).sort(), [PLOTLY_MIME_TYPE, 'text/html', 'text/plain'].sort());
  assert.equal(bundle[PLOTLY_MIME_TYPE], toPlotlyJson(figure()));
  assert.equal(JSON.parse(JSON.stringify(bundle[PLOTLY_MIME_TYPE])), bundle[PLOTLY_MIME_TYPE]);
});

test('HTML references plotly.js without embedding it', async () => {
  const html = (await plotlyMimeBundle(figure(), { png: 'never' }))['text/html'];
  const plotlyStart = loadPlotlyBundle('test').source.slice(0, 200);
  assert.not.ok(html.includes(plotlyStart), 'expected no plotly.js source in the figure HTML');
  assert.ok(html.length < 10_000, `expected a small loader, got ${html.length} characters`);
  assert.match(html, /window\.Plotly/);
});

test('figure text cannot end the script', async () => {
  const html = (await plotlyMimeBundle(figure(), { png: 'never' }))['text/html'];
  assert.is(html.split('</script>').length - 1, 1, 'expected only the loader to close a script element');
  assert.is(html.split('<script').length - 1, 1, 'expected one script element');
  assert.not.ok(html.includes('<img'), 'expected no raw img tag');
  assert.ok(html.includes('\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)\\u003e'), 'expected the name with \\u escapes');
  const script = html.slice(html.indexOf('<script'));
  assert.not.ok(script.includes('\u2028'), 'expected U+2028 escaped in the script');
  assert.ok(script.includes('\\u2028'), 'expected the \\u2028 escape in the script');
});

test('title is escaped in the label attribute', async () => {
  const html = (await plotlyMimeBundle(figure(), { png: 'never' }))['text/html'];
  assert.ok(html.includes('aria-label="plotly figure: &lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;'), 'expected the escaped title');
});

test('plain text describes the figure', async () => {
  const text = (await plotlyMimeBundle({ data: [{ type: 'bar' }, { y: [1] }], layout: { title: 'Loss' } }, { png: 'never' }))['text/plain'];
  assert.is(text, 'Plotly figure: 2 traces (bar, scatter), title "Loss"');
});

test('missing Chromium skips the PNG with a note', async () => {
  const bundle = await plotlyMimeBundle(figure(), { png: 'auto', ...NO_CHROMIUM });
  assert.not.ok('image/png' in bundle, 'expected no image/png');
  assert.match(bundle['text/plain'], /\nStatic image\/png skipped: no Chromium was found; install it with `apt-get install chromium`/);
});

test('PNG required without Chromium throws', async () => {
  try {
    await plotlyMimeBundle(figure(), { png: 'always', ...NO_CHROMIUM });
    assert.unreachable('expected plotlyMimeBundle to throw');
  } catch (err) {
    assert.instance(err, ChromiumNotFoundError);
  }
});

test('rejects an unknown PNG mode', async () => {
  try {
    await plotlyMimeBundle(figure(), { png: 'sometimes' as 'auto' });
    assert.unreachable('expected plotlyMimeBundle to throw');
  } catch (err) {
    assert.match((err as Error).message, /^plotlyMimeBundle: `png` must be one of auto, always, never, got 'sometimes'/);
  }
});

test('plotly.js output hides AMD define', () => {
  const data = plotlyJsDisplayData();
  assert.ok(data['text/html'].startsWith('<script type="text/javascript">'), 'expected one script element');
  assert.match(data['text/html'], /window\.define = undefined;/);
  assert.ok(data['text/html'].length > 1_000_000, 'expected the whole plotly.js bundle');
  assert.match(data['text/plain'], /^plotly\.js 3\.\d+\.\d+ loaded from the installed plotly\.js package/);
});

browserTest('PNG has two device pixels per CSS pixel', async () => {
  const bundle = await plotlyMimeBundle(figure(), { png: 'always' });
  const png = decode(Buffer.from(bundle['image/png'] as string, 'base64'));
  // layout 200 × 150 CSS px at the default pngScale of 2.
  assert.is(png.width, 400);
  assert.is(png.height, 300);
  assert.not.match(bundle['text/plain'], /skipped/);
});

test.run();
