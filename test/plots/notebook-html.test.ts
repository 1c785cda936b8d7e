import type { Browser, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { plotlyJsDisplayData, plotlyMimeBundle } from '../../kernel-lib/plots/mime-bundle';
import { browserTest, CHROMIUM } from './chromium-for-tests';

// Loads the notebook outputs into Chromium as Jupyter Notebook 6 shows them: the plotly.js output,
// then the figure output, in one page that has require.js's `define`.

const PAYLOAD = '<img src=x onerror=alert(1)>';

/**
 * Runs before any page script: records alerts and imitates require.js, whose `define.amd` makes a
 * UMD bundle register an AMD module instead of `window.Plotly`.
 */
const INIT_SCRIPT = `
window.__fired = false;
window.alert = function () { window.__fired = true; };
window.__amdDefineCalls = 0;
window.define = function () { window.__amdDefineCalls++; };
window.define.amd = {};
window.__requireJsDefine = window.define;
`;

let browser: Browser | undefined;
let page: Page;
const requests: string[] = [];
let dialogs = 0;

async function newPage(): Promise<Page> {
  const context = await (browser as Browser).newContext();
  await context.addInitScript(INIT_SCRIPT);
  await context.route('**/*', (route) => {
    requests.push(route.request().url());
    return route.abort();
  });
  const created = await context.newPage();
  created.on('dialog', (dialog) => {
    dialogs++;
    void dialog.dismiss();
  });
  return created;
}

test.before(async () => {
  if (CHROMIUM === null) return;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  const figure = { data: [{ type: 'scatter', y: [1, 2], name: PAYLOAD }], layout: { title: { text: PAYLOAD }, showlegend: true } };
  const bundle = await plotlyMimeBundle(figure, { png: 'never' });
  page = await newPage();
  await page.setContent(`<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${plotlyJsDisplayData()['text/html']}${bundle['text/html']}</body></html>`);
  await page.waitForSelector('.medsynth-plot .main-svg', { timeout: 15_000 });
});

test.after(async () => {
  await browser?.close();
});

browserTest('figure draws under require.js', async () => {
  const state = await page.evaluate(() => {
    const page = globalThis as unknown as { Plotly?: unknown; define: unknown; __requireJsDefine: unknown; __amdDefineCalls: number };
    return { hasPlotly: typeof page.Plotly === 'object', defineRestored: page.define === page.__requireJsDefine, amdCalls: page.__amdDefineCalls };
  });
  assert.ok(state.hasPlotly, 'expected window.Plotly');
  assert.ok(state.defineRestored, 'expected require.js define restored after the bundle');
  assert.is(state.amdCalls, 0);
});

browserTest('no script from data runs', async () => {
  const fired = await page.evaluate(() => (globalThis as unknown as { __fired: boolean }).__fired);
  assert.is(fired, false);
  assert.is(dialogs, 0);
  const images = await page.evaluate(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('img').length);
  assert.is(images, 0);
  assert.equal(requests, [], 'expected no request, such as one for img src=x');
});

browserTest('title and trace name show literally', async () => {
  assert.is(await page.textContent('.medsynth-plot .gtitle'), PAYLOAD);
  assert.is(await page.textContent('.medsynth-plot .legendtext'), PAYLOAD);
});

browserTest('missing plotly.js leaves a note', async () => {
  const bundle = await plotlyMimeBundle({ data: [{ y: [1] }], layout: {} }, { png: 'never', loaderTimeoutMs: 100 });
  const bare = await newPage();
  await bare.setContent(`<!DOCTYPE html><html><body>${bundle['text/html']}</body></html>`);
  // Waits on the element, because the page body also contains the loader's source with the note.
  await bare.waitForFunction(
    () => /not loaded/.test(String((globalThis as unknown as { document: { querySelector(s: string): { textContent: string } } }).document.querySelector('.medsynth-plot').textContent)),
    undefined,
    { timeout: 5_000 },
  );
  const note = String(await bare.textContent('.medsynth-plot'));
  assert.ok(/^plotly\.js is not loaded in this page: .* includePlotlyJs: 'always'/.test(note), `unexpected note: ${note}`);
  await bare.context().close();
});

test.run();
