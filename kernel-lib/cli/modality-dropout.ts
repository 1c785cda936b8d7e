import * as fs from 'fs';
import * as path from 'path';
import { selectBackend } from '../backend/select';
import { GRID_HOURS, GridHours } from '../ehr/hourly-grid';
import { prepareEhrData } from '../ehr/prepare-ehr-data';
import { formatModalityDropoutMarkdown } from '../multimodal/evaluate-subsets';
import { buildEhrMultimodalDataset } from '../multimodal/modalities';
import { defaultFusionArms, runModalityDropoutExperiment } from '../multimodal/modality-dropout-experiment';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-write';
import { OptionSpec, formatHelp, parseOptions } from './args';
import { createProgressBar } from './progress';

const COMMAND = 'modality-dropout';

export const MODALITY_DROPOUT_OPTIONS: Record<string, OptionSpec> = {
  data: { type: 'string', required: true, description: 'PhysioNet 2012 folder with set-a/ and Outcomes-a.txt' },
  out: { type: 'string', required: true, description: 'output folder for modality-dropout.json and modality-dropout.md' },
  seeds: { type: 'string', default: '0,1,2', description: 'comma-separated training seeds; every model is trained once per seed' },
  dropout: { type: 'number', default: 0.3, description: 'probability of dropping each modality of a training example, in [0, 1)' },
  epochs: { type: 'number', default: 40, description: 'maximum training epochs per model (the best validation epoch is kept)' },
  patience: { type: 'number', default: 8, description: 'stop after this many epochs without a better validation AUROC' },
  hours: { type: 'number', default: 48, description: 'hours of time series from admission: 24 or 48' },
  'max-patients': { type: 'number', description: 'use only the first N records by RecordID (quick runs); default all' },
  'split-seed': { type: 'number', default: 0, description: 'seed of the stratified train/validation/test patient split, fixed across training seeds' },
  resamples: { type: 'number', default: 1000, description: 'bootstrap resamples per 95% interval' },
  backend: { type: 'string', description: 'auto, node-gpu, node, wasm or cpu (default: MEDSYNTH_BACKEND or auto)' },
  help: { type: 'boolean', description: 'show this help' },
};

const SUMMARY = [
  'medsynth modality-dropout: trains fusion classifiers of in-hospital death on the time series and the',
  'admission descriptors of PhysioNet 2012, with and without modality dropout, and single-modality',
  'models, then reports test AUROC with a bootstrap 95% interval for every subset of modalities available.',
].join('\n');

/** Parses "0,1,2" into [0, 1, 2]; seeds may be 0 or negative integers. */
export function parseSeeds(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const seeds = parts.map(Number);
  if (parts.some((s) => s === '') || seeds.some((n) => !Number.isInteger(n))) {
    throw new Error(`${COMMAND}: --seeds must be comma-separated integers such as 0,1,2, got '${value}'`);
  }
  if (new Set(seeds).size !== seeds.length) throw new Error(`${COMMAND}: --seeds lists a seed twice: '${value}'; give each seed once`);
  return seeds;
}

function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new Error(`${COMMAND}: --${name} must be an integer >= ${min}, got ${value}`);
}

export async function modalityDropoutCommand(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(formatHelp(COMMAND, SUMMARY, MODALITY_DROPOUT_OPTIONS));
    return;
  }

  // 1. Options, checked before any data is read.
  const o = parseOptions(COMMAND, argv, MODALITY_DROPOUT_OPTIONS);
  const dataDir = path.resolve(o.data as string);
  const recordFolder = path.join(dataDir, 'set-a');
  const outcomesPath = path.join(dataDir, 'Outcomes-a.txt');
  if (!fs.existsSync(dataDir)) throw new Error(`--data folder not found: ${dataDir}; pass the PhysioNet 2012 folder that contains set-a/ and Outcomes-a.txt`);
  if (!fs.existsSync(recordFolder) || !fs.existsSync(outcomesPath)) {
    throw new Error(`--data folder ${dataDir} lacks set-a/ or Outcomes-a.txt; pass the PhysioNet 2012 folder that contains both`);
  }
  const seeds = parseSeeds(o.seeds as string);
  const dropout = o.dropout as number;
  if (!(dropout >= 0 && dropout < 1)) throw new Error(`--dropout must be in [0, 1), got ${dropout}; use for example 0.3, or 0 for no dropout`);
  const hours = o.hours as number;
  if (!(GRID_HOURS as readonly number[]).includes(hours)) throw new Error(`--hours must be one of ${GRID_HOURS.join(', ')}, got ${hours}`);
  checkInteger('epochs', o.epochs as number, 1);
  checkInteger('patience', o.patience as number, 1);
  checkInteger('resamples', o.resamples as number, 1);
  checkInteger('split-seed', o['split-seed'] as number, 0);
  const maxPatients = (o['max-patients'] as number | undefined) ?? null;
  if (maxPatients !== null) checkInteger('max-patients', maxPatients, 10);
  const outDir = path.resolve(o.out as string);

  // 2. Data: the stratified patient split, grids and static features of prepareEhrData.
  await selectBackend({ backend: o.backend as string | undefined });
  const started = Date.now();
  const data = prepareEhrData({ recordFolder, outcomesPath, hours: hours as GridHours, splitSeed: o['split-seed'] as number, maxPatients });
  const train = buildEhrMultimodalDataset(data.splits.train);
  const validation = buildEhrMultimodalDataset(data.splits.validation);
  const test = buildEhrMultimodalDataset(data.splits.test);

  // 3. Training and evaluation, one progress unit per epoch.
  const arms = defaultFusionArms(dropout);
  const maxEpochs = o.epochs as number;
  const totalEpochs = seeds.length * arms.length * maxEpochs;
  const bar = createProgressBar(COMMAND, totalEpochs, 'epochs');
  let result;
  try {
    result = runModalityDropoutExperiment({
      train,
      validation,
      test,
      seeds,
      arms,
      maxEpochs,
      patience: o.patience as number,
      resamples: o.resamples as number,
      // An arm that stops early skips its remaining epochs on the bar.
      onProgress: (p) => bar.update(p.armsDone * maxEpochs + p.epoch, `${p.arm} seed ${p.seed}: validation AUROC ${p.validationAuroc.toFixed(3)}`),
    });
  } finally {
    bar.stop();
  }
  const seconds = (Date.now() - started) / 1000;

  // 4. Outputs, written atomically.
  const markdown = [
    '# Modality dropout on PhysioNet 2012 (in-hospital death)',
    '',
    `Test AUROC with a bootstrap 95% interval (${o.resamples} resamples) for each model and set of available modalities;`,
    `an unavailable modality is replaced by the missing embedding. Dropout probability ${dropout}, ${hours} h of time series,`,
    `${result.counts.train} training, ${result.counts.validation} validation and ${result.counts.test} test patients, seeds ${seeds.join(', ')}.`,
    '',
    formatModalityDropoutMarkdown(result.rows),
  ].join('\n');
  const jsonPath = path.join(outDir, 'modality-dropout.json');
  const markdownPath = path.join(outDir, 'modality-dropout.md');
  writeJsonAtomic(jsonPath, {
    options: { data: dataDir, seeds, dropout, maxEpochs, patience: o.patience, hours, maxPatients, splitSeed: o['split-seed'], resamples: o.resamples },
    counts: result.counts,
    rows: result.rows,
    training: result.training,
    seconds: Math.round(seconds * 10) / 10,
  });
  writeFileAtomic(markdownPath, markdown);
  console.log(markdown);
  console.log(`${arms.length * seeds.length} models in ${seconds.toFixed(1)} s:\n  ${jsonPath}\n  ${markdownPath}`);
}
