import type { Browser, Page } from 'playwright-core';
import { ChromiumSearch, findChromium } from './chromium';
import { PlotlyJson } from './figure';
import { inlineScript } from './html-text';
import { loadPlotlyBundle } from './plotly-bundle';
import { log } from '../util/log';

/** Functions that RENDER_SCRIPT defines in the page, as `window.medsynthRender`. */
interface PageRenderApi {
  renderSvg(figure: object, widthPx: number, heightPx: number): Promise<string>;
  rasterizeSvg(svg: string, pixelWidth: number, pixelHeight: number): Promise<string>;
}

/**
 * Runs in the page after plotly.js. `renderSvg` lays the figure out at `widthPx` × `heightPx`
 * CSS pixels and returns plotly's SVG export. `rasterizeSvg` draws an SVG onto a canvas of exactly
 * `pixelWidth` × `pixelHeight` pixels, as plotly's own PNG export does, and returns base64 PNG.
 */
const RENDER_SCRIPT = `
window.medsynthRender = {
  renderSvg: async function (figure, widthPx, heightPx) {
    var element = document.createElement('div');
    document.body.appendChild(element);
    try {
      var layout = Object.assign({}, figure.layout, { width: widthPx, height: heightPx, autosize: false });
      var config = Object.assign({}, figure.config || {}, { staticPlot: true, displayModeBar: false });
      await Plotly.newPlot(element, figure.data, layout, config);
      return await Plotly.toImage(element, { format: 'svg', width: widthPx, height: heightPx, imageDataOnly: true });
    } finally {
      Plotly.purge(element);
      element.remove();
    }
  },
  rasterizeSvg: async function (svg, pixelWidth, pixelHeight) {
    var image = new Image();
    image.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg);
    await image.decode();
    var canvas = document.createElement('canvas');
    canvas.width = pixelWidth;
    canvas.height = pixelHeight;
    canvas.getContext('2d').drawImage(image, 0, 0, pixelWidth, pixelHeight);
    var url = canvas.toDataURL('image/png');
    return url.slice(url.indexOf(',') + 1);
  },
};
`;

const BLANK_PAGE = '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0;background:#ffffff"></body></html>';

/**
 * A headless Chromium with plotly.js loaded, which renders plotly figures to SVG, PNG and PDF.
 * One renderer serves many figures, one at a time; `close` ends the browser. Pages have no
 * network: every request is aborted, and plotly.js comes from the installed plotly.js-dist-min package.
 */
export class FigureRenderer {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly browser: Browser,
    private readonly plotPage: Page,
    private readonly printPage: Page,
    /** Chromium executable this renderer runs. */
    readonly chromiumPath: string,
    /** Browser version, e.g. `156.0.8078.114`. */
    readonly browserVersion: string,
  ) {}

  /**
   * Starts Chromium (found as `findChromium` describes; never downloaded) and loads plotly.js
   * into a blank page. Loading the 11 MB bundle takes a few seconds, so reuse the renderer.
   */
  static async launch(search: ChromiumSearch = {}): Promise<FigureRenderer> {
    const chromiumPath = findChromium('FigureRenderer.launch', search);
    const bundle = loadPlotlyBundle('FigureRenderer.launch');
    const { chromium } = await import('playwright-core');

    let browser: Browser;
    try {
      browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
    } catch (err) {
      throw new Error(`FigureRenderer.launch: Chromium at ${chromiumPath} failed to start: ${(err as Error).message.split('\n')[0]}`);
    }
    try {
      const plotContext = await browser.newContext();
      await plotContext.route('**/*', (route) => route.abort());
      const plotPage = await plotContext.newPage();
      await plotPage.setContent(BLANK_PAGE);
      await plotPage.addScriptTag({ content: inlineScript(bundle.source) });
      await plotPage.addScriptTag({ content: RENDER_SCRIPT });

      // The print page shows only plotly's SVG output, which needs no script.
      const printContext = await browser.newContext({ javaScriptEnabled: false });
      await printContext.route('**/*', (route) => route.abort());
      const printPage = await printContext.newPage();

      log.debug(`FigureRenderer: Chromium ${browser.version()} at ${chromiumPath}, plotly.js ${bundle.version}`);
      return new FigureRenderer(browser, plotPage, printPage, chromiumPath, browser.version());
    } catch (err) {
      await browser.close();
      throw new Error(`FigureRenderer.launch: loading plotly.js into Chromium failed: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  /** Returns the SVG markup of `figure` laid out at `widthPx` × `heightPx` CSS pixels. */
  renderSvg(figure: PlotlyJson, widthPx: number, heightPx: number): Promise<string> {
    checkPixels('FigureRenderer.renderSvg', { widthPx, heightPx });
    return this.enqueue(() =>
      this.plotPage.evaluate(
        ({ figure, widthPx, heightPx }) => (globalThis as unknown as { medsynthRender: PageRenderApi }).medsynthRender.renderSvg(figure, widthPx, heightPx),
        // Typed as object: playwright's argument types recurse too deeply on the JSON type.
        { figure: figure as object, widthPx, heightPx },
      ),
    );
  }

  /** Draws `svg` (from `renderSvg`) at exactly `pixelWidth` × `pixelHeight` pixels; returns PNG bytes. */
  async rasterizeSvg(svg: string, pixelWidth: number, pixelHeight: number): Promise<Uint8Array> {
    checkPixels('FigureRenderer.rasterizeSvg', { pixelWidth, pixelHeight });
    const base64 = await this.enqueue(() =>
      this.plotPage.evaluate(
        ({ svg, pixelWidth, pixelHeight }) =>
          (globalThis as unknown as { medsynthRender: PageRenderApi }).medsynthRender.rasterizeSvg(svg, pixelWidth, pixelHeight),
        { svg, pixelWidth, pixelHeight },
      ),
    );
    return Buffer.from(base64, 'base64');
  }

  /**
   * Prints `svg` (from `renderSvg`, `widthPx` × `heightPx` CSS pixels) to a one-page vector PDF of
   * `widthPx / 96` × `heightPx / 96` inches, with no margins.
   */
  printSvgToPdf(svg: string, widthPx: number, heightPx: number): Promise<Uint8Array> {
    checkPixels('FigureRenderer.printSvgToPdf', { widthPx, heightPx });
    const widthInches = `${widthPx / 96}in`;
    const heightInches = `${heightPx / 96}in`;
    const page = `<!DOCTYPE html><html><head><meta charset="utf-8"><style>
@page { size: ${widthInches} ${heightInches}; margin: 0; }
html, body { margin: 0; padding: 0; overflow: hidden; }
svg { display: block; }
</style></head><body>${svg}</body></html>`;
    return this.enqueue(async () => {
      await this.printPage.setContent(page);
      return this.printPage.pdf({
        width: widthInches,
        height: heightInches,
        printBackground: true,
        margin: { top: '0', right: '0', bottom: '0', left: '0' },
        pageRanges: '1',
      });
    });
  }

  /** Closes the browser; the renderer cannot be used afterwards. */
  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.browser.close();
  }

  /** Runs page work one task at a time, because both pages are shared between calls. */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

function checkPixels(caller: string, sizes: Record<string, number>): void {
  for (const [name, value] of Object.entries(sizes)) {
    if (!Number.isInteger(value) || value < 10 || value > 20000) {
      throw new Error(`${caller}: \`${name}\` must be an integer number of pixels between 10 and 20000, got ${value}`);
    }
  }
}
