import * as path from 'path';
import { selectBackend } from '../backend/select';
import { SyntheticEhrWriter } from '../ehr/synthetic-export';
import { generateEhrPatients, loadEhrDiffusionModel } from '../pipelines/ehr-diffusion';
import { OptionSpec, formatHelp, parseOptions } from './args';
import { createProgressBar } from './progress';

export const EHR_GENERATE_OPTIONS: Record<string, OptionSpec> = {
  model: { type: 'string', required: true, description: 'EHR model directory (models/trajectory or models/latent of an EHR run)' },
  n: { type: 'number', default: 1000, description: 'number of synthetic patients' },
  condition: { type: 'string', required: true, description: "condition as name=value, e.g. death=1 (values: 0 survived, 1 died; or the class name, e.g. death=died)" },
  guidance: { type: 'number', default: 2, description: 'classifier-free guidance scale (0 unconditional, 1 conditional)' },
  sampler: { type: 'string', default: 'dpmsolver++', description: 'ddim, ddpm or dpmsolver++' },
  steps: { type: 'number', default: 25, description: 'sampling steps' },
  seed: { type: 'number', default: 0, description: 'seed of the initial noise' },
  'batch-size': { type: 'number', default: 256, description: 'patients per network call; memory is bounded by one batch' },
  out: { type: 'string', required: true, description: 'output folder for the CSV, Parquet and metadata files' },
  prefix: { type: 'string', default: 'synthetic_physionet2012', description: "file name prefix; must start with 'synthetic_'" },
  backend: { type: 'string', description: 'auto, node-gpu, node, wasm or cpu (default: MEDSYNTH_BACKEND or auto)' },
  help: { type: 'boolean', description: 'show this help' },
};

const SUMMARY = [
  'medsynth ehr generate: writes synthetic ICU patients of one outcome as PhysioNet-2012-style CSV and Parquet,',
  'streamed in batches, with a metadata file; every file name starts with synthetic_.',
].join('\n');

/** Condition names accepted on the command line for the in-hospital death condition. */
const CONDITION_ALIASES = ['death', 'inHospitalDeath', 'in-hospital-death'];

/** Parses `name=value` against the model's condition; returns the class index. */
export function parseCondition(text: string, conditionName: string, classNames: readonly string[]): number {
  const match = /^([^=]+)=(.+)$/.exec(text);
  if (!match) throw new Error(`ehr generate: --condition must look like name=value (e.g. death=1), got '${text}'`);
  const [, name, value] = match;
  const names = conditionName === 'inHospitalDeath' ? CONDITION_ALIASES : [conditionName];
  if (!names.includes(name)) {
    throw new Error(`ehr generate: this model is conditioned on '${conditionName}', not '${name}'; use ${names.map((n) => `${n}=…`).join(' or ')}`);
  }
  const byName = classNames.indexOf(value);
  if (byName >= 0) return byName;
  const index = Number(value);
  if (Number.isInteger(index) && index >= 0 && index < classNames.length) return index;
  throw new Error(`ehr generate: condition value '${value}' is not one of ${classNames.map((c, i) => `${i} (${c})`).join(', ')}`);
}

async function generateCommand(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(formatHelp('ehr generate', SUMMARY, EHR_GENERATE_OPTIONS));
    return;
  }
  const o = parseOptions('ehr generate', argv, EHR_GENERATE_OPTIONS);
  const count = o.n as number;
  if (!Number.isInteger(count) || count < 1) throw new Error(`ehr generate: --n must be an integer >= 1, got ${count}`);
  if ((o.guidance as number) < 0) throw new Error(`ehr generate: --guidance must be >= 0, got ${o.guidance}`);
  for (const name of ['steps', 'batch-size'] as const) {
    const value = o[name] as number;
    if (!Number.isInteger(value) || value < 1) throw new Error(`ehr generate: --${name} must be an integer >= 1, got ${value}`);
  }
  if (!Number.isInteger(o.seed)) throw new Error(`ehr generate: --seed must be an integer, got ${o.seed}`);
  await selectBackend({ backend: o.backend as string | undefined });
  const modelDir = path.resolve(o.model as string);
  const loaded = loadEhrDiffusionModel(modelDir);
  let writer: SyntheticEhrWriter | null = null;
  try {
    const { condition } = loaded.model;
    const classIndex = parseCondition(o.condition as string, condition.name, condition.classNames);
    writer = new SyntheticEhrWriter(path.resolve(o.out as string), o.prefix as string);
    const output = writer;
    const bar = createProgressBar('ehr generate', count, 'patients');
    const started = Date.now();
    generateEhrPatients(loaded, {
      count,
      classIndex,
      guidanceScale: o.guidance as number,
      sampler: o.sampler as string,
      numInferenceSteps: o.steps as number,
      seed: o.seed as number,
      batchSize: o['batch-size'] as number,
      onBatch: (batch) => output.append(batch.grid, batch.descriptors, batch.labels),
      onProgress: (p) => bar.update(p.done, `${condition.name} = ${condition.classNames[classIndex]}`),
    });
    bar.stop();
    const seconds = (Date.now() - started) / 1000;
    const files = writer.finish({
      model: { dir: modelDir, kind: loaded.model.kind },
      condition: { name: condition.name, value: classIndex, className: condition.classNames[classIndex] },
      guidanceScale: o.guidance,
      sampler: o.sampler,
      numInferenceSteps: o.steps,
      seed: o.seed,
      seconds: Math.round(seconds * 10) / 10,
    });
    writer = null;
    console.log(`${count} SYNTHETIC patients (${condition.name} = ${condition.classNames[classIndex]}) in ${seconds.toFixed(1)} s:`);
    for (const file of Object.values(files)) console.log(`  ${file}`);
  } finally {
    writer?.abandon();
    loaded.dispose();
  }
}

export async function ehrCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === 'generate') return generateCommand(rest);
  if (!sub || sub === '--help') {
    console.log('usage: medsynth ehr generate --model <dir> --n <count> --condition death=1 --out <dir> [options]\n\n' + SUMMARY + "\n\nRun 'medsynth ehr generate --help' for its options. Models are trained by 'medsynth run physionet2012-ehr'.");
    return;
  }
  throw new Error(`unknown subcommand '${sub}'; use 'medsynth ehr generate'`);
}
