import { randomBytes } from 'crypto';
import { ChromiumSearch } from './chromium';
import { PlotlyFigure, toPlotlyJson } from './figure';
import { FigureRenderer } from './figure-renderer';
import { escapeHtml } from './html-text';
import { figureSizePx, plotlyJsDisplayData, plotlyMimeBundle, PngMode } from './mime-bundle';

/** Content of a Jupyter `display_data` or `update_display_data` message. */
export interface DisplayContent {
  /** MIME type → value: a string, or a JSON object for JSON types. */
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}

/**
 * Sends one display message to the front end; `update` selects `update_display_data`, which
 * replaces the output with the same `display_id`. tslab's writer has this signature.
 */
export type DisplayWriter = (content: DisplayContent, update: boolean) => void;

/** `once`: the first figure of this display (kernel session) loads plotly.js; `always`: every one does; `never`: none does. */
export const PLOTLY_JS_MODES = ['once', 'always', 'never'] as const;
export type PlotlyJsMode = (typeof PLOTLY_JS_MODES)[number];

export interface ShowFigureOptions {
  /** When to send the plotly.js bundle before the figure (default `once`). */
  includePlotlyJs?: PlotlyJsMode;
  /** Static PNG render (default `auto`: when Chromium is found). */
  png?: PngMode;
}

export interface NotebookDisplayOptions {
  /** Writer that sends the display messages (default: the running tslab kernel's writer, looked up per call). */
  writer?: DisplayWriter;
  /** Chromium search for the static PNGs. */
  chromium?: ChromiumSearch;
  /** Idle time after which the shared Chromium closes (default 60 s). */
  rendererIdleMs?: number;
}

/** One output that can be replaced in place, e.g. a progress line. */
export interface LiveDisplay {
  /** The Jupyter display id that every update targets. */
  readonly displayId: string;
  /** Replaces the output with plain text, or with HTML (and a plain-text fallback). */
  update(content: string | { html: string; text?: string }): void;
}

/**
 * Displays figures and HTML in a Jupyter notebook through a display writer, and remembers
 * whether plotly.js was sent to the page. Static PNGs share one Chromium, which closes after
 * `rendererIdleMs` without use. The module functions `showFigure`, `showHtml` and
 * `newLiveDisplay` use one shared instance that writes to the tslab kernel.
 */
export class NotebookDisplay {
  private plotlyJsSent = false;
  private renderer: Promise<FigureRenderer> | undefined;
  private rendererUsers = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly rendererIdleMs: number;

  constructor(private readonly options: NotebookDisplayOptions = {}) {
    this.rendererIdleMs = options.rendererIdleMs ?? 60_000;
    if (!Number.isInteger(this.rendererIdleMs) || this.rendererIdleMs < 0) {
      throw new Error(`NotebookDisplay: \`rendererIdleMs\` must be a non-negative integer, got ${options.rendererIdleMs}`);
    }
  }

  /**
   * Displays `figure` as one output with plotly JSON, HTML, PNG and text (see `plotlyMimeBundle`).
   * Before the first figure it sends plotly.js as an output of its own (see `includePlotlyJs`).
   * The output goes to the cell that called, even when the PNG finishes after another cell started.
   */
  async showFigure(figure: PlotlyFigure, options: ShowFigureOptions = {}): Promise<void> {
    const writer = this.resolveWriter('showFigure');
    const includePlotlyJs = options.includePlotlyJs ?? 'once';
    if (!(PLOTLY_JS_MODES as readonly string[]).includes(includePlotlyJs)) {
      throw new Error(`showFigure: \`includePlotlyJs\` must be one of ${PLOTLY_JS_MODES.join(', ')}, got '${includePlotlyJs}'`);
    }
    const json = toPlotlyJson(figure);
    const png = options.png ?? 'auto';

    const bundle = await this.whileRendering(() => plotlyMimeBundle(json, { png, renderer: () => this.sharedRenderer() }));

    if (includePlotlyJs === 'always' || (includePlotlyJs === 'once' && !this.plotlyJsSent)) {
      writer({ data: plotlyJsDisplayData(), metadata: {}, transient: {} }, false);
      this.plotlyJsSent = true;
    }
    const { widthPx, heightPx } = figureSizePx(json);
    // The PNG has 2 device pixels per CSS pixel; the metadata makes Jupyter show it at CSS size.
    const metadata = bundle['image/png'] === undefined ? {} : { 'image/png': { width: widthPx, height: heightPx } };
    writer({ data: { ...bundle }, metadata, transient: {} }, false);
  }

  /** Displays `html` as it is (not escaped: pass trusted markup), with a plain-text fallback. */
  showHtml(html: string, options: { text?: string } = {}): void {
    const writer = this.resolveWriter('showHtml');
    if (typeof html !== 'string') throw new Error(`showHtml: \`html\` must be a string, got ${typeof html}`);
    writer({ data: { 'text/html': html, 'text/plain': options.text ?? 'HTML output; open the notebook in Jupyter to see it.' }, metadata: {}, transient: {} }, false);
  }

  /**
   * Returns an output that each `update` replaces in place: the first update sends
   * `display_data` with a fixed display id, later ones `update_display_data` for that id.
   * Plain text is shown in a `<pre>` as well, so HTML front ends keep its line breaks.
   */
  newLiveDisplay(): LiveDisplay {
    const writer = this.resolveWriter('newLiveDisplay');
    const displayId = `medsynth-live-${randomBytes(8).toString('hex')}`;
    let shown = false;
    return {
      displayId,
      update(content) {
        let data: Record<string, string>;
        if (typeof content === 'string') {
          data = { 'text/plain': content, 'text/html': `<pre style="margin:0">${escapeHtml(content)}</pre>` };
        } else if (content !== null && typeof content === 'object' && typeof content.html === 'string') {
          data = { 'text/html': content.html, 'text/plain': content.text ?? 'HTML output; open the notebook in Jupyter to see it.' };
        } else {
          throw new Error(`LiveDisplay.update: \`content\` must be a string or { html, text? }, got ${content === null ? 'null' : typeof content}`);
        }
        writer({ data, metadata: {}, transient: { display_id: displayId } }, shown);
        shown = true;
      },
    };
  }

  /** Closes the shared Chromium now, if one is running. */
  async close(): Promise<void> {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    const renderer = this.renderer;
    this.renderer = undefined;
    if (renderer !== undefined) await (await renderer.catch(() => undefined))?.close();
  }

  private resolveWriter(caller: string): DisplayWriter {
    const writer = this.options.writer ?? findTslabWriter();
    if (writer === null) {
      throw new Error(
        `${caller}: no Jupyter kernel to display in: this code is not running in a tslab notebook kernel (tslab's display writer is not loaded). ` +
          "Run it in a notebook with the tslab kernel ('npm run setup-kernel'), pass { writer } to new NotebookDisplay(), or write files with exportFigure.",
      );
    }
    return writer;
  }

  /** Returns the shared renderer, starting Chromium on first use or after an idle close. */
  private sharedRenderer(): Promise<FigureRenderer> {
    if (this.renderer === undefined) {
      const launching = FigureRenderer.launch(this.options.chromium);
      // A failed start is not kept, so a later figure tries again (after Chromium is installed).
      launching.catch(() => {
        if (this.renderer === launching) this.renderer = undefined;
      });
      this.renderer = launching;
    }
    return this.renderer;
  }

  /** Runs `task` while holding off the idle close, and restarts the idle timer when the last task ends. */
  private async whileRendering<T>(task: () => Promise<T>): Promise<T> {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.rendererUsers++;
    try {
      return await task();
    } finally {
      this.rendererUsers--;
      if (this.rendererUsers === 0 && this.renderer !== undefined) {
        this.idleTimer = setTimeout(() => void this.close(), this.rendererIdleMs);
        this.idleTimer.unref();
      }
    }
  }
}

/**
 * Returns the writer of the running tslab kernel, or null outside one. tslab (a devDependency)
 * sets `lastWriteDisplayData` in its `dist/jupyter` module before each cell runs. The module is
 * looked up among the already loaded modules, so the kernel's own copy is found. This function
 * never loads tslab, so outside a kernel tslab is not loaded at all.
 */
export function findTslabWriter(): DisplayWriter | null {
  for (const [file, loaded] of Object.entries(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(file)) continue;
    const writer = (loaded?.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData;
    if (typeof writer === 'function') return writer as DisplayWriter;
  }
  return null;
}

let sharedDisplay: NotebookDisplay | undefined;

function defaultDisplay(): NotebookDisplay {
  sharedDisplay ??= new NotebookDisplay();
  return sharedDisplay;
}

/** Displays `figure` in the running tslab notebook; see `NotebookDisplay.showFigure`. */
export function showFigure(figure: PlotlyFigure, options: ShowFigureOptions = {}): Promise<void> {
  return defaultDisplay().showFigure(figure, options);
}

/** Displays trusted `html` in the running tslab notebook; see `NotebookDisplay.showHtml`. */
export function showHtml(html: string, options: { text?: string } = {}): void {
  defaultDisplay().showHtml(html, options);
}

/** Returns an output of the running tslab notebook that updates in place; see `NotebookDisplay.newLiveDisplay`. */
export function newLiveDisplay(): LiveDisplay {
  return defaultDisplay().newLiveDisplay();
}
