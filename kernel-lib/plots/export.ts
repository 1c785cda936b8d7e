import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-write';
import { ChromiumNotFoundError, ChromiumSearch, findChromium } from './chromium';
import { JsonObject, PlotlyFigure, PlotlyJson, toPlotlyJson } from './figure';
import { FigureRenderer } from './figure-renderer';
import { escapeHtml, inlineScript, scriptJson } from './html-text';
import { COLUMN_WIDTHS_INCHES, CSS_PX_PER_INCH } from './paper-layout';
import { loadPlotlyBundle } from './plotly-bundle';
import { readPngSize, setPngDpi } from './png-chunks';

/** Formats that need Chromium to render. */
export const IMAGE_FORMATS = ['svg', 'png', 'pdf'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];
export type ExportFormat = ImageFormat | 'html';

export interface FigureExportOptions extends ChromiumSearch {
  /** Formats to render (default svg, png and pdf). An empty list writes the HTML only. */
  formats?: readonly ImageFormat[];
  /** PNG resolution in pixels per inch (default 300). */
  dpi?: number;
  /** Width in inches (default the figure's `layout.width` / 96, else 3.5). */
  widthInches?: number;
  /** Height in inches (default the figure's `layout.height` / 96, else 0.75 × the width). */
  heightInches?: number;
  /** Also write a standalone interactive HTML page with plotly.js inlined (default true, about 11 MB each). */
  html?: boolean;
  /** A running renderer to reuse; it stays open. Without one, a browser starts and closes per call. */
  renderer?: FigureRenderer;
}

export interface ExportFigureOptions extends FigureExportOptions {
  /** Output path without extension: `figures/roc` writes `figures/roc.svg`, `figures/roc.png`, ... */
  outBase: string;
}

/** One written file. */
export interface ExportedFile {
  format: ExportFormat;
  path: string;
  bytes: number;
  /** PNG: image pixels. SVG, PDF and HTML: CSS pixels, 96 per inch. */
  widthPx: number;
  heightPx: number;
}

/**
 * Writes `figure` as SVG, PNG and PDF through headless Chromium, and as a standalone offline HTML
 * page, to `outBase` plus the format's extension. Every file is written atomically.
 *
 * The figure is laid out at `round(widthInches × 96)` × `round(heightInches × 96)` CSS pixels. SVG
 * is plotly's SVG export of that layout. PNG is that SVG drawn at a scale of about `dpi / 96` onto
 * exactly `round(widthInches × dpi)` × `round(heightInches × dpi)` pixels, with `dpi` recorded in
 * the file. PDF is the SVG printed by Chromium, so it stays vector, on a page of the figure's size.
 *
 * Without Chromium, writes the HTML page (even when `html` is false) and throws
 * `ChromiumNotFoundError`, whose message names what was searched and how to install Chromium.
 */
export async function exportFigure(figure: PlotlyFigure, options: ExportFigureOptions): Promise<ExportedFile[]> {
  if (typeof options?.outBase !== 'string' || options.outBase === '') {
    throw new Error('exportFigure: `outBase` must be a path without extension, e.g. figures/roc, got ' + JSON.stringify(options?.outBase));
  }
  const settings = checkExportOptions('exportFigure', options);
  const json = toPlotlyJson(figure);
  const size = figureSize('exportFigure', json, settings);
  const job: ExportJob = { id: path.basename(options.outBase), json, size, outBase: options.outBase };
  const outcome = await runExportJobs('exportFigure', [job], settings, options);
  if (outcome.missingChromium) throw outcome.missingChromium;
  return outcome.files[0];
}

export interface ExportFiguresOptions extends FigureExportOptions {
  /** Folder to write into, created if missing; files are `<id>.<format>` plus `figures.json`. */
  outDir: string;
  /** Recorded in figures.json, e.g. the run directory the figures come from. */
  source?: string;
  /** Size per figure id, in place of `widthInches` and `heightInches`. */
  sizes?: Record<string, { widthInches: number; heightInches: number }>;
}

/** figures.json: every exported file of a folder with its size. */
export interface FiguresManifest {
  format: 'medsynth-figures';
  version: 1;
  source: string | null;
  dpi: number;
  plotlyVersion: string;
  /** Chromium version that rendered the images, or null when none was found. */
  chromiumVersion: string | null;
  figures: { id: string; widthInches: number; heightInches: number; files: (Omit<ExportedFile, 'path'> & { file: string })[] }[];
}

/**
 * Exports each figure of `figures` (id → figure) to `<outDir>/<id>.<format>` with one browser for
 * all of them, as `exportFigure` describes, and writes `<outDir>/figures.json`, which lists each
 * file with its byte size and pixel size. Ids must be plain file names. Returns the manifest.
 * Without Chromium, writes the HTML pages and figures.json, then throws `ChromiumNotFoundError`.
 */
export async function exportFigures(figures: Record<string, PlotlyFigure>, options: ExportFiguresOptions): Promise<FiguresManifest> {
  if (figures === null || typeof figures !== 'object' || Object.keys(figures).length === 0) {
    throw new Error('exportFigures: `figures` must map at least one id to a figure, e.g. { roc: rocFigure }');
  }
  if (typeof options?.outDir !== 'string' || options.outDir === '') {
    throw new Error(`exportFigures: \`outDir\` must name a folder, got ${JSON.stringify(options?.outDir)}`);
  }
  const settings = checkExportOptions('exportFigures', options);
  const jobs = Object.entries(figures).map(([id, figure]): ExportJob => {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) {
      throw new Error(`exportFigures: figure id '${id}' must be a plain file name (letters, digits, dot, underscore, hyphen); rename it`);
    }
    const json = toPlotlyJson(figure);
    const size = figureSize('exportFigures', json, { ...settings, ...options.sizes?.[id] });
    return { id, json, size, outBase: path.join(options.outDir, id) };
  });

  const outcome = await runExportJobs('exportFigures', jobs, settings, options);

  const manifest: FiguresManifest = {
    format: 'medsynth-figures',
    version: 1,
    source: options.source ?? null,
    dpi: settings.dpi,
    plotlyVersion: loadPlotlyBundle('exportFigures').version,
    chromiumVersion: outcome.chromiumVersion,
    figures: jobs.map((job, i) => ({
      id: job.id,
      widthInches: job.size.widthInches,
      heightInches: job.size.heightInches,
      files: outcome.files[i].map(({ path: file, ...rest }) => ({ ...rest, file: path.relative(options.outDir, file) })),
    })),
  };
  writeJsonAtomic(path.join(options.outDir, 'figures.json'), manifest);
  if (outcome.missingChromium) throw outcome.missingChromium;
  return manifest;
}

/**
 * Returns a standalone HTML page that draws `figure` with plotly.js inlined: it works offline, and
 * a Content-Security-Policy blocks requests to any host. `title` is escaped.
 */
export function standaloneFigureHtml(figure: PlotlyFigure, title: string): string {
  const json = toPlotlyJson(figure);
  const bundle = loadPlotlyBundle('standaloneFigureHtml');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data: blob:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title>
<style>body { margin: 0; background: #ffffff; }</style>
</head>
<body>
<div id="figure"></div>
<script>${inlineScript(bundle.source)}</script>
<script type="application/json" id="figure-data">${scriptJson(json)}</script>
<script>
(function () {
  var figure = JSON.parse(document.getElementById('figure-data').textContent);
  Plotly.newPlot('figure', figure.data, figure.layout, figure.config || {});
})();
</script>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------
// Shared by exportFigure and exportFigures

interface ExportSettings {
  formats: ImageFormat[];
  dpi: number;
  widthInches?: number;
  heightInches?: number;
  html: boolean;
}

interface FigureSize {
  widthInches: number;
  heightInches: number;
  /** CSS pixels of the layout. */
  widthPx: number;
  heightPx: number;
}

interface ExportJob {
  id: string;
  json: PlotlyJson;
  size: FigureSize;
  outBase: string;
}

function checkExportOptions(caller: string, options: FigureExportOptions): ExportSettings {
  const formats = options.formats ?? IMAGE_FORMATS;
  if (!Array.isArray(formats)) {
    throw new Error(`${caller}: \`formats\` must be an array of ${IMAGE_FORMATS.join(', ')}, got ${JSON.stringify(formats)}`);
  }
  for (const format of formats) {
    if (!(IMAGE_FORMATS as readonly string[]).includes(format)) {
      throw new Error(`${caller}: unknown format '${format}'; use ${IMAGE_FORMATS.join(', ')} (the HTML page is controlled by \`html\`)`);
    }
  }
  const dpi = options.dpi ?? 300;
  if (!Number.isFinite(dpi) || dpi < 72 || dpi > 2400) {
    throw new Error(`${caller}: \`dpi\` must be between 72 and 2400, got ${dpi}; journals ask for 300 to 600`);
  }
  for (const name of ['widthInches', 'heightInches'] as const) {
    const value = options[name];
    if (value !== undefined && (!Number.isFinite(value) || value < 0.5 || value > 20)) {
      throw new Error(`${caller}: \`${name}\` must be between 0.5 and 20 inches, got ${value}`);
    }
  }
  return {
    formats: IMAGE_FORMATS.filter((format) => formats.includes(format)),
    dpi,
    widthInches: options.widthInches,
    heightInches: options.heightInches,
    html: options.html ?? true,
  };
}

/** Takes the size from the options, else from the figure's layout in CSS pixels, else 3.5 in × 0.75 of that. */
function figureSize(caller: string, json: PlotlyJson, settings: Pick<ExportSettings, 'widthInches' | 'heightInches'>): FigureSize {
  const layoutInches = (key: 'width' | 'height') => {
    const value = json.layout[key];
    return typeof value === 'number' && value > 0 ? value / CSS_PX_PER_INCH : undefined;
  };
  const widthInches = settings.widthInches ?? layoutInches('width') ?? COLUMN_WIDTHS_INCHES.single;
  const heightInches = settings.heightInches ?? layoutInches('height') ?? 0.75 * widthInches;
  for (const [name, value] of [['width', widthInches], ['height', heightInches]] as const) {
    if (value < 0.5 || value > 20) {
      throw new Error(`${caller}: the figure's layout.${name} is ${value.toFixed(2)} in (${name}Px / 96), outside 0.5 to 20 in; pass ${name}Inches`);
    }
  }
  return {
    widthInches,
    heightInches,
    widthPx: Math.round(widthInches * CSS_PX_PER_INCH),
    heightPx: Math.round(heightInches * CSS_PX_PER_INCH),
  };
}

interface ExportOutcome {
  /** Written files, per job. */
  files: ExportedFile[][];
  chromiumVersion: string | null;
  /** Set when no Chromium was found; the HTML pages were written instead of the images. */
  missingChromium?: ChromiumNotFoundError;
}

/** Writes every job's files with one renderer: the given one, or a new one closed at the end. */
async function runExportJobs(caller: string, jobs: ExportJob[], settings: ExportSettings, options: FigureExportOptions): Promise<ExportOutcome> {
  const files: ExportedFile[][] = jobs.map(() => []);
  if (settings.html) jobs.forEach((job, i) => files[i].push(writeHtml(job)));
  if (settings.formats.length === 0) return { files, chromiumVersion: null };

  let renderer = options.renderer;
  if (renderer === undefined) {
    let chromiumPath: string;
    try {
      chromiumPath = findChromium(caller, options);
    } catch (err) {
      if (!(err instanceof ChromiumNotFoundError)) throw err;
      if (!settings.html) jobs.forEach((job, i) => files[i].push(writeHtml(job)));
      const pages = files.flat().map((file) => file.path);
      const message = `${err.message}. No ${settings.formats.join(', ')} files were written; the interactive HTML is in ${pages.join(', ')}`;
      return { files, chromiumVersion: null, missingChromium: new ChromiumNotFoundError(message, err.searched) };
    }
    renderer = await FigureRenderer.launch({ chromiumPath });
  }

  try {
    for (const [i, job] of jobs.entries()) files[i].push(...(await renderJob(renderer, job, settings)));
  } finally {
    if (options.renderer === undefined) await renderer.close();
  }
  return { files, chromiumVersion: renderer.browserVersion };
}

async function renderJob(renderer: FigureRenderer, job: ExportJob, settings: ExportSettings): Promise<ExportedFile[]> {
  const { widthPx, heightPx, widthInches, heightInches } = job.size;
  const svg = await renderer.renderSvg(job.json, widthPx, heightPx);
  const files: ExportedFile[] = [];

  if (settings.formats.includes('svg')) {
    files.push(writeFile(job.outBase, 'svg', svg, widthPx, heightPx));
  }
  if (settings.formats.includes('png')) {
    const pixelWidth = Math.round(widthInches * settings.dpi);
    const pixelHeight = Math.round(heightInches * settings.dpi);
    const png = setPngDpi(await renderer.rasterizeSvg(svg, pixelWidth, pixelHeight), settings.dpi);
    const stored = readPngSize(png);
    files.push(writeFile(job.outBase, 'png', png, stored.width, stored.height));
  }
  if (settings.formats.includes('pdf')) {
    files.push(writeFile(job.outBase, 'pdf', await renderer.printSvgToPdf(svg, widthPx, heightPx), widthPx, heightPx));
  }
  return files;
}

function writeHtml(job: ExportJob): ExportedFile {
  const sized: JsonObject = { ...job.json.layout, width: job.size.widthPx, height: job.size.heightPx, autosize: false };
  const html = standaloneFigureHtml({ ...job.json, layout: sized }, job.id);
  return writeFile(job.outBase, 'html', html, job.size.widthPx, job.size.heightPx);
}

function writeFile(outBase: string, format: ExportFormat, content: string | Uint8Array, widthPx: number, heightPx: number): ExportedFile {
  const file = `${outBase}.${format}`;
  writeFileAtomic(file, content);
  return { format, path: file, bytes: fs.statSync(file).size, widthPx, heightPx };
}
