import * as fs from 'fs';
import * as path from 'path';
import { selectBackend } from '../backend/select';
import { loadReportImageData, ReportImageSource } from '../multimodal/report-image-data';
import { runReportImageExperiment } from '../multimodal/report-image-experiment';
import { reportImageProgressBars, reportImageRunDirectory } from '../multimodal/report-image-run';
import { QUICK_REPORT_IMAGE_SETTINGS, ReportImageSettingsSchema } from '../multimodal/report-image-settings';
import { formatReportImageMetrics } from '../multimodal/report-image-table';
import { formatZodError } from '../pipelines/image-diffusion-config';
import { writeFileAtomic } from '../util/atomic-write';
import { OptionSpec, formatHelp, parseOptions } from './args';
import { createProgressBar } from './progress';

export const REPORT_IMAGE_OPTIONS: Record<string, OptionSpec> = {
  reports: { type: 'string', description: 'folder with indiana_reports.csv (IU chest X-ray reports); pairs them weakly with --images' },
  images: { type: 'string', default: 'pneumoniamnist', description: 'registered dataset name or .npz path of the images to pair with --reports' },
  phantom: { type: 'boolean', description: 'use the built-in chest phantoms with their templated reports instead (offline demo)' },
  out: { type: 'string', required: true, description: 'run folder; with --reports it must be outside the project (the reports are CC BY-NC-ND)' },
  settings: { type: 'string', description: 'JSON file of settings that replace the defaults (tokenizer, text, clip, diffusion, evaluation, …)' },
  quick: { type: 'boolean', description: 'tiny models and few steps: checks the pipeline in minutes, numbers mean nothing' },
  seed: { type: 'number', description: 'seed of the split, pairing, weights and sampling (default 0, or the settings file)' },
  backend: { type: 'string', description: 'auto, node-gpu, node, wasm or cpu (default: MEDSYNTH_BACKEND or auto)' },
  help: { type: 'boolean', description: 'show this help' },
};

const SUMMARY = [
  'Text and images: trains a tokenizer and CLIP-style image and report encoders, measures retrieval',
  'on held-out reports, trains a report-conditioned diffusion model, and measures whether images',
  'generated for held-out reports show the report\'s finding, per guidance scale. Also builds report',
  'variations per finding. Writes report-metrics.json and report-image.md to --out.',
].join('\n');

export async function reportImageCommand(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(formatHelp('report-image', SUMMARY, REPORT_IMAGE_OPTIONS));
    return;
  }
  const o = parseOptions('report-image', argv, REPORT_IMAGE_OPTIONS);
  if ((o.reports === undefined) === (o.phantom !== true)) {
    throw new Error("report-image: give either --reports <folder> (real reports) or --phantom (built-in demo), not both or neither");
  }
  let raw: Record<string, unknown> = {};
  if (o.settings !== undefined) {
    const file = path.resolve(o.settings as string);
    if (!fs.existsSync(file)) throw new Error(`report-image: settings file ${file} not found; pass a JSON file or leave --settings out`);
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`report-image: settings file ${file} is not valid JSON (${(err as Error).message})`);
    }
  }
  if (o.quick === true) raw = { ...QUICK_REPORT_IMAGE_SETTINGS, ...raw };
  if (o.seed !== undefined) {
    if (!Number.isInteger(o.seed)) throw new Error(`report-image: --seed must be an integer, got ${o.seed}`);
    raw = { ...raw, seed: o.seed };
  }
  const parsed = ReportImageSettingsSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`report-image: invalid settings: ${formatZodError(parsed.error, raw)}`);
  const settings = parsed.data;
  await selectBackend({ backend: o.backend as string | undefined });

  const source: ReportImageSource = o.phantom === true ? { kind: 'phantom' } : { kind: 'iu-xray', reportsDir: path.resolve(o.reports as string), images: o.images as string };
  const outDir = reportImageRunDirectory(source, o.out as string);
  const data = loadReportImageData(source, settings.seed);

  const bars = reportImageProgressBars(createProgressBar);
  let metrics;
  try {
    metrics = runReportImageExperiment({ data, settings, outDir, onProgress: bars.onProgress });
  } finally {
    bars.stop();
  }
  const table = formatReportImageMetrics(metrics);
  writeFileAtomic(path.join(outDir, 'report-image.md'), `# Report experiment\n\n${table}\n`);
  console.log(table);
  console.log(`\nreport-image: metrics in ${path.join(outDir, 'report-metrics.json')}; generated texts and models stay in ${outDir}`);
}
