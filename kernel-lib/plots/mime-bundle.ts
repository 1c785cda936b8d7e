import { randomBytes } from 'crypto';
import { log } from '../util/log';
import { ChromiumNotFoundError, ChromiumSearch, CHROMIUM_INSTALL_HINT } from './chromium';
import { JsonObject, PlotlyFigure, PlotlyJson, toPlotlyJson } from './figure';
import { FigureRenderer } from './figure-renderer';
import { escapeHtml, inlineScript, scriptJson } from './html-text';
import { loadPlotlyBundle, wrapPlotlyForNotebook } from './plotly-bundle';

/** MIME type that JupyterLab's and VS Code's plotly renderers draw. */
export const PLOTLY_MIME_TYPE = 'application/vnd.plotly.v1+json';

/** Jupyter display data of one figure, one entry per MIME type. */
export interface PlotlyMimeBundle {
  [PLOTLY_MIME_TYPE]: PlotlyJson;
  /** Plot element and a loader script that draws it once `window.Plotly` exists. */
  'text/html': string;
  /** Base64 PNG of the figure, when Chromium rendered one. */
  'image/png'?: string;
  /** One-line description, plus a line saying why the PNG is missing when it is. */
  'text/plain': string;
}

/** `auto`: a PNG when Chromium is found, else none and a note; `always`: throw without Chromium; `never`: no PNG. */
export const PNG_MODES = ['auto', 'always', 'never'] as const;
export type PngMode = (typeof PNG_MODES)[number];

export interface PlotlyMimeBundleOptions extends ChromiumSearch {
  /** Whether to add a static `image/png` render (default `auto`). */
  png?: PngMode;
  /** Device pixels per CSS pixel of the PNG (default 2, sharp on high-density screens). */
  pngScale?: number;
  /**
   * A running renderer for the PNG, or a function that returns one when a PNG is rendered; it
   * stays open. Without one, a browser starts and closes for this call.
   */
  renderer?: FigureRenderer | (() => Promise<FigureRenderer>);
  /** How long the loader waits for `window.Plotly` before it writes a note into the plot element (default 10 s). */
  loaderTimeoutMs?: number;
}

/** Plotly's default figure size in CSS pixels, used when the layout sets none. */
const DEFAULT_WIDTH_PX = 700;
const DEFAULT_HEIGHT_PX = 450;

/**
 * Builds the Jupyter display data of `figure`. `application/vnd.plotly.v1+json` contains the figure
 * as plain JSON. `text/html` contains a plot element and a small loader that draws it with the
 * page's `window.Plotly`, which `plotlyJsDisplayData` defines once per page. When `window.Plotly`
 * is still missing after `loaderTimeoutMs`, the loader writes a note into the element instead.
 * `image/png` contains a static render through headless Chromium (see `png`). Every text from the
 * figure is escaped where it reaches HTML, and the figure JSON cannot end its `<script>`.
 */
export async function plotlyMimeBundle(figure: PlotlyFigure, options: PlotlyMimeBundleOptions = {}): Promise<PlotlyMimeBundle> {
  const png = options.png ?? 'auto';
  if (!(PNG_MODES as readonly string[]).includes(png)) {
    throw new Error(`plotlyMimeBundle: \`png\` must be one of ${PNG_MODES.join(', ')}, got '${png}'`);
  }
  const pngScale = options.pngScale ?? 2;
  if (!Number.isFinite(pngScale) || pngScale < 0.5 || pngScale > 8) {
    throw new Error(`plotlyMimeBundle: \`pngScale\` must be between 0.5 and 8, got ${pngScale}`);
  }
  const loaderTimeoutMs = options.loaderTimeoutMs ?? 10_000;
  if (!Number.isInteger(loaderTimeoutMs) || loaderTimeoutMs < 0) {
    throw new Error(`plotlyMimeBundle: \`loaderTimeoutMs\` must be a non-negative integer, got ${loaderTimeoutMs}`);
  }
  const json = toPlotlyJson(figure);

  const bundle: PlotlyMimeBundle = {
    [PLOTLY_MIME_TYPE]: json,
    'text/html': figureHtml(json, loaderTimeoutMs),
    'text/plain': describeFigure(json),
  };
  if (png === 'never') return bundle;

  try {
    bundle['image/png'] = Buffer.from(await renderPng(json, pngScale, options)).toString('base64');
  } catch (err) {
    if (png === 'always') throw err;
    const reason = err instanceof ChromiumNotFoundError ? `no Chromium was found; ${CHROMIUM_INSTALL_HINT}` : `Chromium failed: ${(err as Error).message}`;
    if (!(err instanceof ChromiumNotFoundError)) log.warnOnce('plotlyMimeBundle:png', `plotlyMimeBundle: static PNG skipped: ${reason}`);
    bundle['text/plain'] += `\nStatic image/png skipped: ${reason}.`;
  }
  return bundle;
}

/**
 * Returns the display data that loads plotly.js into a notebook page: the installed
 * plotly.js bundle (about 4.8 MB minified), wrapped so that it defines `window.Plotly` under
 * Jupyter Notebook 6's require.js too. Show it once per page, before the first figure.
 */
export function plotlyJsDisplayData(): { 'text/html': string; 'text/plain': string } {
  const bundle = loadPlotlyBundle('plotlyJsDisplayData');
  return {
    'text/html': `<script type="text/javascript">${inlineScript(wrapPlotlyForNotebook(bundle))}</script>`,
    'text/plain': `plotly.js ${bundle.version} loaded from the installed plotly.js package (offline); later plots in this page use it.`,
  };
}

/** Returns the figure's size in CSS pixels: its layout's width and height, else plotly's 700 × 450. */
export function figureSizePx(json: PlotlyJson): { widthPx: number; heightPx: number } {
  const size = (value: unknown, fallback: number) => (typeof value === 'number' && value >= 10 ? Math.round(value) : fallback);
  return { widthPx: size(json.layout.width, DEFAULT_WIDTH_PX), heightPx: size(json.layout.height, DEFAULT_HEIGHT_PX) };
}

async function renderPng(json: PlotlyJson, pngScale: number, options: PlotlyMimeBundleOptions): Promise<Uint8Array> {
  const given = options.renderer;
  let renderer: FigureRenderer;
  if (given === undefined) renderer = await FigureRenderer.launch(options);
  else if (typeof given === 'function') renderer = await given();
  else renderer = given;
  try {
    const { widthPx, heightPx } = figureSizePx(json);
    const svg = await renderer.renderSvg(json, widthPx, heightPx);
    return await renderer.rasterizeSvg(svg, Math.round(widthPx * pngScale), Math.round(heightPx * pngScale));
  } finally {
    if (given === undefined) await renderer.close();
  }
}

/** Notebook-side drawing defaults; the figure's own config wins. */
const NOTEBOOK_CONFIG: JsonObject = { responsive: true, displaylogo: false };

function figureHtml(json: PlotlyJson, loaderTimeoutMs: number): string {
  // A random id, because outputs of earlier kernel sessions stay in the page with their own ids.
  const id = `medsynth-plot-${randomBytes(8).toString('hex')}`;
  const { widthPx, heightPx } = figureSizePx(json);
  const width = typeof json.layout.width === 'number' ? `${widthPx}px` : '100%';
  const title = titleOf(json);
  const figure = { data: json.data, layout: json.layout, config: { ...NOTEBOOK_CONFIG, ...(json.config ?? {}) } };
  return `<div id="${id}" class="medsynth-plot" role="img" aria-label="${escapeHtml(title === '' ? 'plotly figure' : `plotly figure: ${title}`)}" style="width:${width};height:${heightPx}px;">\
<p style="color:#666;font:13px sans-serif;">Interactive plotly figure: it draws when this output's script runs (trust the notebook, or rerun the cell).</p></div>
<script type="text/javascript">
(function () {
  var element = document.getElementById(${JSON.stringify(id)});
  if (!element) return;
  var figure = ${scriptJson(figure)};
  var started = Date.now();
  function draw() {
    if (window.Plotly) {
      element.textContent = '';
      Promise.resolve()
        .then(function () { return window.Plotly.newPlot(element, figure.data, figure.layout, figure.config); })
        .catch(function (err) { element.textContent = 'plotly.js could not draw this figure: ' + err; });
      return;
    }
    if (Date.now() - started > ${loaderTimeoutMs}) {
      element.textContent = 'plotly.js is not loaded in this page: the output that loaded it was cleared or belongs to an earlier session. ' +
        "Rerun this cell with showFigure(figure, { includePlotlyJs: 'always' }).";
      return;
    }
    setTimeout(draw, 50);
  }
  draw();
})();
</script>`;
}

function titleOf(json: PlotlyJson): string {
  const title = json.layout.title;
  if (typeof title === 'string') return title;
  if (title !== null && typeof title === 'object' && !Array.isArray(title) && typeof title.text === 'string') return title.text;
  return '';
}

function describeFigure(json: PlotlyJson): string {
  const types = [...new Set(json.data.map((trace) => (typeof trace.type === 'string' ? trace.type : 'scatter')))];
  const traces = `${json.data.length} ${json.data.length === 1 ? 'trace' : 'traces'}${types.length > 0 ? ` (${types.join(', ')})` : ''}`;
  const title = titleOf(json);
  const shortTitle = title.length > 80 ? `${title.slice(0, 77)}...` : title;
  return `Plotly figure: ${traces}${shortTitle === '' ? '' : `, title "${shortTitle.replace(/\s+/g, ' ')}"`}`;
}
