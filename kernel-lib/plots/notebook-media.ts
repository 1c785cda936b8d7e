import { tileImages } from '../io/png';
import { grayPngDataUrl } from '../experiment/png-data-url';
import { ProgressFactory, StageContext, StageProgress } from '../experiment/context';
import { EXPERIMENT_MIME_TYPE } from '../notebook/experiment-records';
import { escapeHtml } from './html-text';
import { DisplayWriter, findTslabWriter, LiveDisplay, newLiveDisplay } from './notebook-display';

function writerFor(caller: string, writer?: DisplayWriter): DisplayWriter {
  const found = writer ?? findTslabWriter();
  if (found === null) {
    throw new Error(`${caller}: no Jupyter kernel to display in: this code is not running in a tslab notebook kernel; run it in a notebook ('npm run setup-kernel') or pass { writer }`);
  }
  return found;
}

export interface ShowImagesOptions {
  height: number;
  width: number;
  /** Images per grid row (default 8). */
  columns?: number;
  /** Each pixel becomes a scale × scale block, so small images stay sharp (default 2). */
  scale?: number;
  /** Shown under the grid, escaped. Say here whether the images are real or SYNTHETIC. */
  caption: string;
  writer?: DisplayWriter;
}

/**
 * Displays grayscale images as one grid: `images` is [count, height, width], 0-255. The output
 * contains HTML (grid and caption) for Jupyter, a PNG for viewers that run no HTML, and the
 * caption as plain text.
 */
export function showImages(images: Uint8Array, options: ShowImagesOptions): void {
  const { height, width, caption } = options;
  const columns = options.columns ?? 8;
  const scale = options.scale ?? 2;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`showImages: \`height\` and \`width\` must be positive integers, got ${height} and ${width}`);
  }
  if (!(images instanceof Uint8Array) || images.length % (height * width) !== 0) {
    throw new Error(`showImages: \`images\` must be a Uint8Array of whole ${height}×${width} images, got ${images?.length} values`);
  }
  if (!Number.isInteger(columns) || columns < 1) throw new Error(`showImages: \`columns\` must be a positive integer, got ${columns}`);
  if (typeof caption !== 'string') throw new Error('showImages: `caption` is required: name the class and whether the images are real or SYNTHETIC');
  const writer = writerFor('showImages', options.writer);
  const count = images.length / (height * width);
  if (count === 0) {
    writer({ data: { 'text/plain': `${caption}: no images` }, metadata: {}, transient: {} }, false);
    return;
  }
  const grid = tileImages(images, count, height, width, Math.min(columns, count));
  const url = grayPngDataUrl(grid.pixels, grid.width, grid.height, scale);
  const html = `<figure style="margin:0"><img src="${url}" alt="${escapeHtml(caption)}" style="image-rendering:pixelated"><figcaption>${escapeHtml(caption)}</figcaption></figure>`;
  writer({ data: { 'text/html': html, 'image/png': url.slice('data:image/png;base64,'.length), 'text/plain': caption }, metadata: {}, transient: {} }, false);
}

/** Displays Markdown (tables, lists). Text from data must be escaped first, e.g. with `markdownText`. */
export function showMarkdown(markdown: string, options: { writer?: DisplayWriter } = {}): void {
  if (typeof markdown !== 'string') throw new Error(`showMarkdown: \`markdown\` must be a string, got ${typeof markdown}`);
  writerFor('showMarkdown', options.writer)({ data: { 'text/markdown': markdown, 'text/plain': markdown }, metadata: {}, transient: {} }, false);
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${s} s`;
}

/**
 * Progress of long stages as one notebook output that updates in place: a bar, the count, the
 * elapsed time and the estimated time left. Updates are sent at most every `intervalMs`
 * (default 500), and the last one always.
 */
export function notebookProgress(options: { intervalMs?: number; live?: () => LiveDisplay } = {}): ProgressFactory {
  const intervalMs = options.intervalMs ?? 500;
  const makeLive = options.live ?? newLiveDisplay;
  return (label: string, total: number, unit: string): StageProgress => {
    const live = makeLive();
    const started = Date.now();
    let lastSent = -Infinity;
    let last = { value: 0, status: '' };
    const send = () => {
      const elapsed = (Date.now() - started) / 1000;
      const fraction = total > 0 ? Math.min(1, last.value / total) : 1;
      const eta = last.value > 0 ? (elapsed / last.value) * (total - last.value) : NaN;
      const text = `${label}: ${last.value}/${total} ${unit} (${Math.round(fraction * 100)}%), elapsed ${formatSeconds(elapsed)}, left about ${formatSeconds(eta)}${last.status ? ` | ${last.status}` : ''}`;
      const html = `<div><progress value="${last.value}" max="${total}" style="width:20em"></progress> ${escapeHtml(text)}</div>`;
      live.update({ html, text });
      lastSent = Date.now();
    };
    return {
      update(value: number, status: string) {
        last = { value, status };
        if (Date.now() - lastSent >= intervalMs || value >= total) send();
      },
      stop() {
        send();
      },
    };
  };
}

/**
 * Shows which experiment run a notebook works in, and leaves a machine-readable record of it
 * (run directory, config name, seed, backend, dataset with its file checksum) that
 * `medsynth notebook run` copies into the notebook's manifest.
 */
export function showExperiment(ctx: StageContext, options: { writer?: DisplayWriter } = {}): void {
  const manifest = ctx.run.readJson<{ backend?: unknown; dataset?: unknown; gitCommit?: unknown }>('manifest.json');
  const record = {
    runDir: ctx.run.dir,
    experiment: ctx.config.name,
    seed: ctx.config.seed,
    backend: manifest.backend ?? null,
    dataset: manifest.dataset ?? null,
    gitCommit: manifest.gitCommit ?? null,
  };
  const text = `experiment '${ctx.config.name}' (seed ${ctx.config.seed}) in ${ctx.run.dir}`;
  writerFor('showExperiment', options.writer)({ data: { [EXPERIMENT_MIME_TYPE]: record, 'text/plain': text }, metadata: {}, transient: {} }, false);
}
