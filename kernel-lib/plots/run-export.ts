import * as fs from 'fs';
import * as path from 'path';
import { parseExperimentConfig } from '../experiment/config';
import { silentProgress, StageContext } from '../experiment/context';
import { prepareExperimentData } from '../experiment/prepare-data';
import type { ReportData } from '../experiment/report-data';
import { RunDirectory, STAGES } from '../experiment/run-dir';
import { buildReportData } from '../experiment/stages/report';
import { PlotlyFigure } from './figure';
import { exportFigures, FigureExportOptions, FiguresManifest } from './export';
import { COLUMN_WIDTHS_INCHES, ColumnWidth, PaperFontFamily, paperLayout } from './paper-layout';
import { buildRunFigures, RunFigureId } from './run-figures';

/**
 * Height of each run figure as a fraction of its width, for figures of one column (narrower than
 * 5 in) and of a page width. The ROC and reliability plots have square axes and a legend of one
 * entry per arm below them, so in one column they are taller than wide.
 */
const PAPER_HEIGHT_RATIOS: Record<'column' | 'page', Record<RunFigureId, number>> = {
  column: {
    'plot-class-counts': 1.1,
    'plot-diffusion-loss': 0.6,
    'plot-roc': 1.3,
    'plot-sensitivity-specificity': 0.8,
    'plot-reliability': 1.3,
  },
  page: {
    'plot-class-counts': 0.45,
    'plot-diffusion-loss': 0.35,
    'plot-roc': 0.6,
    'plot-sensitivity-specificity': 0.4,
    'plot-reliability': 0.6,
  },
};

/**
 * Rebuilds the report data of a finished experiment run from its directory, the way the report
 * stage builds it: the run's config from manifest.json, the dataset reloaded with that config (as
 * `medsynth run --resume` does), and metrics.json, generation.json and the diffusion checkpoint.
 * Throws when `runDir` is missing, is not a run directory, or has not finished its report stage.
 */
export function loadRunReportData(runDir: string): ReportData {
  if (typeof runDir !== 'string' || runDir === '') {
    throw new Error(`loadRunReportData: \`runDir\` must name a run directory, got ${JSON.stringify(runDir)}`);
  }
  if (!fs.existsSync(runDir)) {
    throw new Error(`loadRunReportData: run directory ${runDir} does not exist; pass a folder under experiments/runs/`);
  }
  if (!fs.statSync(runDir).isDirectory()) {
    throw new Error(`loadRunReportData: ${runDir} is a file, not a run directory; pass a folder under experiments/runs/`);
  }
  let run: RunDirectory;
  try {
    run = RunDirectory.open(runDir);
  } catch (err) {
    throw new Error(`loadRunReportData: ${(err as Error).message}`);
  }
  if (!run.isFinished('report')) {
    const finished = STAGES.filter((stage) => run.isFinished(stage));
    throw new Error(
      `loadRunReportData: the run in ${run.dir} has not finished its report stage (finished: ${finished.join(', ') || 'none'}); ` +
        `complete it with 'medsynth run --resume ${run.dir}'`,
    );
  }

  const manifest = run.readJson<{ config: unknown }>('manifest.json');
  const config = parseExperimentConfig(manifest.config, path.join(run.dir, 'manifest.json'));
  let data: StageContext['data'];
  try {
    data = prepareExperimentData(config);
  } catch (err) {
    throw new Error(`loadRunReportData: cannot reload the dataset of the run in ${run.dir}: ${(err as Error).message}`);
  }
  const ctx: StageContext = { config, run, data, progress: silentProgress, say: () => undefined };
  return buildReportData(ctx);
}

export interface ExportRunFiguresOptions extends Omit<FigureExportOptions, 'widthInches' | 'heightInches' | 'renderer'> {
  /** Output folder (default `<runDir>/figures`). */
  outDir?: string;
  /** Column width name or inches (default `single`, 3.5 in). Heights follow from each figure's aspect. */
  width?: ColumnWidth | number;
  fontFamily?: PaperFontFamily;
  /** Base font size in points (default 8). */
  fontSize?: number;
}

/**
 * Exports every figure of a finished run (see `RUN_FIGURE_IDS`) restyled by `paperLayout`, to
 * `<runDir>/figures/<figure id>.<format>` and `figures.json`, as `exportFigures` describes.
 * Returns the manifest that figures.json contains.
 */
export async function exportRunFigures(runDir: string, options: ExportRunFiguresOptions = {}): Promise<FiguresManifest> {
  const widthInches = resolveWidth('exportRunFigures', options.width ?? 'single');
  const data = loadRunReportData(runDir);
  const figures: Record<string, PlotlyFigure> = {};
  const sizes: Record<string, { widthInches: number; heightInches: number }> = {};
  for (const figure of buildRunFigures(data)) {
    // Heights in hundredths of an inch, so that figures.json lists sizes such as 2.8 in.
    const ratio = PAPER_HEIGHT_RATIOS[widthInches < 5 ? 'column' : 'page'][figure.id];
    const heightInches = Math.round(widthInches * ratio * 100) / 100;
    sizes[figure.id] = { widthInches, heightInches };
    figures[figure.id] = paperLayout(figure, { widthInches, heightInches, fontFamily: options.fontFamily, fontSize: options.fontSize });
  }
  return exportFigures(figures, {
    outDir: options.outDir ?? path.join(runDir, 'figures'),
    source: path.resolve(runDir),
    sizes,
    formats: options.formats,
    dpi: options.dpi,
    html: options.html,
    chromiumPath: options.chromiumPath,
    env: options.env,
  });
}

/** Turns `single`, `double` or a number of inches into inches. */
export function resolveWidth(caller: string, width: ColumnWidth | number | string): number {
  if (typeof width === 'number') return width;
  if (width in COLUMN_WIDTHS_INCHES) return COLUMN_WIDTHS_INCHES[width as ColumnWidth];
  const inches = Number(width);
  if (width.trim() === '' || !Number.isFinite(inches)) {
    throw new Error(`${caller}: width must be single (${COLUMN_WIDTHS_INCHES.single} in), double (${COLUMN_WIDTHS_INCHES.double} in) or a number of inches, got '${width}'`);
  }
  return inches;
}
