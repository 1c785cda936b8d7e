import * as path from 'path';
import { selectBackend } from '../backend/select';
import { EXTRACTOR_INPUT_RANGES, ExtractorInputRange } from '../eval/fidelity/feature-extractor';
import { FIDELITY_DIR, FIDELITY_REPORT_FILE, FidelityProgress, fidelityReport } from '../eval/fidelity/fidelity-report';
import { formatFidelityTable } from '../eval/fidelity/fidelity-table';
import { OptionSpec, formatHelp, parseOptions } from './args';
import { createProgressBar } from './progress';

export const FIDELITY_OPTIONS: Record<string, OptionSpec> = {
  seed: { type: 'number', description: 'evaluate only this generation seed (default: every seed of the run)' },
  extractor: { type: 'string', description: 'model.json of a TF.js layers or graph model to use as feature extractor (default: the domain CNN)' },
  layer: { type: 'string', description: 'layer or node of --extractor whose output gives the features (default: the model output)' },
  'input-range': { type: 'string', default: '[-1,1]', description: `pixel range --extractor expects: ${EXTRACTOR_INPUT_RANGES.join(', ')}` },
  bootstrap: { type: 'number', default: 200, description: 'bootstrap resamples of each FID interval' },
  k: { type: 'number', default: 3, description: 'neighbourhood size of precision, recall and the outlier score' },
  'extractor-epochs': { type: 'number', default: 30, description: 'maximum epochs when the domain extractor has to be trained' },
  'retrain-extractor': { type: 'boolean', description: 'train the domain extractor again even when the run has one' },
  out: { type: 'string', description: `output folder (default <run dir>/${FIDELITY_DIR})` },
  backend: { type: 'string', description: 'auto, node-gpu, node, wasm or cpu (default: MEDSYNTH_BACKEND or auto)' },
  help: { type: 'boolean', description: 'show this help' },
};

const SUMMARY = [
  'Measures how close the synthetic images of a finished run are to real ones: medsynth fidelity <run dir>.',
  'Per rare class and generation seed: FID against the real test images beside the floor FID of real',
  'training images (equal sample sizes, bootstrap intervals), KID, k-NN precision and recall, classifier',
  'confidence, and the nearest training image of every synthetic one. Writes fidelity.json, galleries',
  `and per-image records to <run dir>/${FIDELITY_DIR}.`,
].join('\n');

export async function fidelityCommand(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(formatHelp('fidelity <run dir>', SUMMARY, FIDELITY_OPTIONS));
    return;
  }
  const runDir = argv[0] && !argv[0].startsWith('--') ? argv[0] : undefined;
  if (runDir === undefined) throw new Error("fidelity: name a run directory, e.g. 'medsynth fidelity experiments/runs/<run id>'");
  const o = parseOptions('fidelity', argv.slice(1), FIDELITY_OPTIONS);

  const inputRange = o['input-range'] as string;
  if (!(EXTRACTOR_INPUT_RANGES as readonly string[]).includes(inputRange)) {
    throw new Error(`fidelity: --input-range must be one of ${EXTRACTOR_INPUT_RANGES.join(', ')}, got '${inputRange}'`);
  }
  for (const name of ['bootstrap', 'k', 'extractor-epochs'] as const) {
    const value = o[name] as number;
    if (!Number.isInteger(value) || value < 1) throw new Error(`fidelity: --${name} must be an integer >= 1, got ${value}`);
  }
  if (o.seed !== undefined && !Number.isInteger(o.seed)) throw new Error(`fidelity: --seed must be an integer generation seed, got ${o.seed}`);
  await selectBackend({ backend: o.backend as string | undefined });

  // One progress bar per phase, and per class and seed for the phases that run once for each;
  // a new bar replaces the last.
  let bar: ReturnType<typeof createProgressBar> | null = null;
  let barKey = '';
  const onProgress = (p: FidelityProgress) => {
    const perSubject = p.phase === 'bootstrap' || p.phase === 'memorisation';
    const key = perSubject ? `${p.phase}: ${p.detail}` : p.phase;
    if (key !== barKey) {
      bar?.stop();
      bar = createProgressBar(perSubject ? `${p.phase} (${p.detail})` : p.phase, p.total, unitOf(p.phase));
      barKey = key;
    }
    if (p.completed > 0) bar?.update(p.completed, perSubject ? '' : p.detail);
  };

  const outDir = o.out === undefined ? undefined : path.resolve(o.out as string);
  let report;
  try {
    report = await fidelityReport(runDir, {
      generationSeeds: o.seed === undefined ? undefined : [o.seed as number],
      extractorPath: o.extractor as string | undefined,
      extractorLayer: o.layer as string | undefined,
      extractorInputRange: inputRange as ExtractorInputRange,
      extractorTraining: { maxEpochs: o['extractor-epochs'] as number },
      retrainExtractor: o['retrain-extractor'] === true,
      bootstrapResamples: o.bootstrap as number,
      k: o.k as number,
      outDir,
      onProgress,
    });
  } finally {
    (bar as ReturnType<typeof createProgressBar> | null)?.stop();
  }

  const folder = outDir ?? path.join(runDir, FIDELITY_DIR);
  console.log(`feature space: ${report.featureSpace.description}`);
  console.log('');
  console.log(formatFidelityTable(report));
  console.log('');
  console.log('FID: synthetic vs real test; floor FID: real training vs real test, the value of a perfect generator, at the same n.');
  console.log('confidence: mean task-classifier probability of the intended class; nearest px: smallest pixel distance (/255) to a training image.');
  for (const result of report.results) {
    for (const note of result.notes) console.log(`note (${result.className}, seed ${result.seed}): ${note}`);
  }
  const galleries = report.results.reduce((sum, result) => sum + result.memorisation.galleries.length, 0);
  console.log(`fidelity: report written to ${path.join(folder, FIDELITY_REPORT_FILE)}, with ${galleries} galleries in ${folder}`);
}

function unitOf(phase: FidelityProgress['phase']): string {
  switch (phase) {
    case 'extractor':
      return 'epochs';
    case 'features':
      return 'sets';
    case 'bootstrap':
      return 'resamples';
    case 'memorisation':
      return 'images';
  }
}
