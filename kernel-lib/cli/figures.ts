import * as path from 'path';
import { IMAGE_FORMATS, ImageFormat } from '../plots/export';
import { COLUMN_WIDTHS_INCHES, PAPER_FONT_FAMILIES, PaperFontFamily } from '../plots/paper-layout';
import { exportRunFigures, resolveWidth } from '../plots/run-export';
import { OptionSpec, formatHelp, parseOptions } from './args';

export const FIGURES_OPTIONS: Record<string, OptionSpec> = {
  formats: { type: 'string', default: IMAGE_FORMATS.join(','), description: `comma-separated image formats: ${IMAGE_FORMATS.join(', ')}` },
  dpi: { type: 'number', default: 300, description: 'PNG resolution in pixels per inch' },
  width: {
    type: 'string',
    default: 'single',
    description: `figure width: single (${COLUMN_WIDTHS_INCHES.single} in), double (${COLUMN_WIDTHS_INCHES.double} in) or inches`,
  },
  font: { type: 'string', default: 'sans-serif', description: `font family: ${PAPER_FONT_FAMILIES.join(' or ')} (Arial or Times), 8 pt` },
  chromium: { type: 'string', description: 'Chromium or Chrome executable (default: MEDSYNTH_CHROMIUM, else chromium on the PATH)' },
  out: { type: 'string', description: 'output folder (default <run dir>/figures)' },
  'no-html': { type: 'boolean', description: 'skip the interactive HTML page per figure (each inlines the 11 MB plotly.js)' },
  help: { type: 'boolean', description: 'show this help' },
};

const SUMMARY = [
  'Exports every figure of a finished experiment run for a paper: medsynth figures <run dir>.',
  'Writes <figure id>.svg, .png, .pdf and .html and figures.json (file sizes in bytes and pixels)',
  'into <run dir>/figures, rendered offline by headless Chromium, which is never downloaded.',
].join('\n');

export async function figuresCommand(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(formatHelp('figures <run dir>', SUMMARY, FIGURES_OPTIONS));
    return;
  }
  const runDir = argv[0] && !argv[0].startsWith('--') ? argv[0] : undefined;
  if (runDir === undefined) throw new Error("figures: name a run directory, e.g. 'medsynth figures experiments/runs/<run id>'");
  const o = parseOptions('figures', argv.slice(1), FIGURES_OPTIONS);

  const formats = parseFormats(o.formats as string);
  const font = o.font as string;
  if (!(PAPER_FONT_FAMILIES as readonly string[]).includes(font)) {
    throw new Error(`figures: --font must be ${PAPER_FONT_FAMILIES.join(' or ')}, got '${font}'`);
  }
  let widthInches: number;
  try {
    widthInches = resolveWidth('figures', o.width as string);
  } catch {
    throw new Error(`figures: --width must be single, double or a number of inches, got '${o.width}'`);
  }

  const outDir = o.out === undefined ? undefined : path.resolve(o.out as string);
  const manifest = await exportRunFigures(runDir, {
    outDir,
    formats,
    dpi: o.dpi as number,
    width: widthInches,
    fontFamily: font as PaperFontFamily,
    chromiumPath: o.chromium as string | undefined,
    html: o['no-html'] !== true,
  });

  const folder = outDir ?? path.join(runDir, 'figures');
  for (const figure of manifest.figures) {
    const files = figure.files.map((file) => `${file.file} (${formatBytes(file.bytes)}${file.format === 'png' ? `, ${file.widthPx}×${file.heightPx} px` : ''})`);
    console.log(`${figure.id}: ${figure.widthInches} × ${figure.heightInches} in: ${files.join(', ')}`);
  }
  console.log(`figures: ${manifest.figures.length} exported to ${folder} (listed in figures.json), PNG at ${manifest.dpi} dpi`);
}

function parseFormats(value: string): ImageFormat[] {
  const formats = value
    .split(',')
    .map((format) => format.trim())
    .filter((format) => format !== '');
  for (const format of formats) {
    if (!(IMAGE_FORMATS as readonly string[]).includes(format)) {
      throw new Error(`figures: unknown format '${format}' in --formats; use a comma-separated list of ${IMAGE_FORMATS.join(', ')}`);
    }
  }
  return formats as ImageFormat[];
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
