import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../kernel-lib/backend/select';
import { imagesOfClass, ImageSplit } from '../kernel-lib/data/image-dataset';
import { loadImageDataset } from '../kernel-lib/data/registry';
import { SAMPLERS } from '../kernel-lib/diffusion/samplers';
import { FeatureRows } from '../kernel-lib/eval/fidelity/feature-rows';
import { openDomainFeatureExtractor } from '../kernel-lib/eval/fidelity/feature-extractor';
import { bootstrapFrechetDistances, IntervalEstimate } from '../kernel-lib/eval/fidelity/frechet-bootstrap';
import { toUint8 } from '../kernel-lib/io/png';
import { generateImages, loadImageDiffusionModel } from '../kernel-lib/pipelines/image-diffusion';
import { Random } from '../kernel-lib/util/random';
import { memoryFigures } from './memory';

/**
 * FID against sampling cost for one trained class-conditional image model. Each sampler
 * configuration generates the same number of images per class, with the same seed and guidance.
 * FID compares them with the real test images of each class, with percentile bootstrap
 * intervals, in the space of the domain feature extractor that `medsynth fidelity` uses. The floor row is FID between real training and real test images of the class, the
 * value a perfect generator would reach at that sample size. Prints a Markdown table and, with
 * --out, writes the rows as JSON.
 *
 * Usage: node dist/bench/sampler-quality.js --model <model dir> [--per-class 300] [--guidance 3]
 *   [--configs ddim:10,dpmsolver++:20,dpmsolver++:20:82-579] [--seed 0] [--batch-size 64]
 *   [--resamples 200] [--extractor <file>] [--out <file.json>] [--backend wasm] [--data <dataset>]
 * --data defaults to the dataset name in the model's model.json.
 *
 * A configuration is `sampler:steps`, or `sampler:steps:first-last` to apply guidance only at
 * training timesteps first … last (see `withClassifierFreeGuidance`).
 */

const DEFAULT_CONFIGS = [
  'ddim:10',
  'ddim:20',
  'ddim:50',
  'ddim:100',
  'dpmsolver++:10',
  'dpmsolver++:15',
  'dpmsolver++:20',
  'dpmsolver++:25',
  // Guidance only at middle noise levels: Kynkäänniemi et al. 2024 found it harmful at the highest
  // and largely unnecessary at the lowest. t = 82 … 579 on the linear 1000-step schedule is the
  // EDM noise level sigma = sqrt((1 - alphaBar) / alphaBar) in [0.28, 5.42].
  // NOTE: an interval reported for ImageNet models, not tuned on medical images.
  'ddim:50:82-579',
  'dpmsolver++:15:82-579',
  'dpmsolver++:20:82-579',
  'dpmsolver++:20:0-579',
].join(',');

interface SamplerConfig {
  label: string;
  sampler: string;
  steps: number;
  guidanceInterval?: [number, number];
}

interface ResultRow {
  label: string;
  sampler: string;
  steps: number;
  guidanceInterval: [number, number] | null;
  msPerImage: number | null;
  fid: IntervalEstimate[];
}

function parseArgs(argv: string[]): Map<string, string> {
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) {
      throw new Error(`sampler-quality: expected --name value pairs, got '${argv[i]}'; see the usage in bench/sampler-quality.ts`);
    }
    options.set(argv[i].slice(2), argv[i + 1]);
  }
  return options;
}

function parseConfig(text: string): SamplerConfig {
  const [sampler, stepsText, intervalText] = text.split(':');
  const steps = Number(stepsText);
  if (!(SAMPLERS as readonly string[]).includes(sampler) || !Number.isInteger(steps) || steps < 1) {
    throw new Error(`sampler-quality: invalid configuration '${text}'; write sampler:steps[:first-last] with a sampler of ${SAMPLERS.join(', ')}`);
  }
  if (intervalText === undefined) return { label: `${sampler} ${steps}`, sampler, steps };
  const bounds = intervalText.split('-').map(Number);
  if (bounds.length !== 2 || !bounds.every(Number.isInteger)) {
    throw new Error(`sampler-quality: invalid guidance interval '${intervalText}' in '${text}'; write first-last in training timesteps, e.g. 82-579`);
  }
  return { label: `${sampler} ${steps}, guidance at t ${bounds[0]}–${bounds[1]}`, sampler, steps, guidanceInterval: [bounds[0], bounds[1]] };
}

function numberOption(options: Map<string, string>, name: string, fallback: number): number {
  const value = options.has(name) ? Number(options.get(name)) : fallback;
  if (!Number.isFinite(value)) throw new Error(`sampler-quality: --${name} must be a number, got '${options.get(name)}'`);
  return value;
}

function formatInterval(estimate: IntervalEstimate): string {
  return `${estimate.value.toFixed(2)} [${estimate.lower.toFixed(2)}, ${estimate.upper.toFixed(2)}]`;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const modelDir = options.get('model');
  if (modelDir === undefined) throw new Error("sampler-quality: --model is required: a model directory written by 'medsynth train-diffusion'");
  const perClass = numberOption(options, 'per-class', 300);
  const guidanceScale = numberOption(options, 'guidance', 3);
  const seed = numberOption(options, 'seed', 0);
  const batchSize = numberOption(options, 'batch-size', 64);
  const resamples = numberOption(options, 'resamples', 200);
  const configs = (options.get('configs') ?? DEFAULT_CONFIGS).split(',').map(parseConfig);
  const extractorFile = path.resolve(options.get('extractor') ?? path.join(modelDir, 'sampler-quality', 'feature-extractor.safetensors'));

  const backend = await selectBackend({ backend: options.get('backend') });
  const loaded = loadImageDiffusionModel(path.resolve(modelDir));
  const { model } = loaded;
  const dataset = loadImageDataset(options.get('data') ?? model.dataset.name);
  const { height, width } = dataset;
  const size = height * width;
  const test = dataset.splits.test as ImageSplit;
  const val = dataset.splits.val as ImageSplit;
  if (!test || !val) throw new Error(`sampler-quality: ${dataset.source} has no test or validation split; FID needs real test images`);

  // 1. The domain feature extractor of `medsynth fidelity`: trained once on every real training image, then reused.
  fs.mkdirSync(path.dirname(extractorFile), { recursive: true });
  const { extractor } = openDomainFeatureExtractor({
    filePath: extractorFile,
    train: { pixels: dataset.splits.train.images, labels: dataset.splits.train.labels, height, width },
    validation: { pixels: val.images, labels: val.labels, height, width },
    numClasses: dataset.classNames.length,
    training: { seed },
  });
  const features = (images: Uint8Array): FeatureRows => {
    const data = extractor.extract(images, height, width);
    return { data, count: data.length / extractor.numFeatures, numFeatures: extractor.numFeatures };
  };

  // 2. Real features per class: the whole test split of the class, and a seeded training subset of
  //    the synthetic sample size for the floor.
  const classes = dataset.classNames.map((className, classIndex) => {
    const trainImages = imagesOfClass(dataset.splits.train, classIndex, size);
    const trainCount = trainImages.length / size;
    const rows = new Random(seed + 1000 * classIndex).permutation(trainCount).subarray(0, Math.min(perClass, trainCount));
    const trainSubset = new Uint8Array(rows.length * size);
    rows.forEach((row, i) => trainSubset.set(trainImages.subarray(row * size, (row + 1) * size), i * size));
    return { className, classIndex, test: features(imagesOfClass(test, classIndex, size)), trainSubset: features(trainSubset) };
  });

  // 3. Every configuration with the same seed. The FID bootstrap uses one seed per class, and each
  //    set has the same size in every row, so row r of every configuration draws the same test resample.
  const fidOf = (classIndex: number, rows: FeatureRows) =>
    bootstrapFrechetDistances(classes[classIndex].test, [rows], { resamples, level: 0.95, rng: new Random(seed + 17 * (classIndex + 1)) })[0];
  const results: ResultRow[] = [
    {
      label: `real training images (floor, up to ${perClass} per class)`,
      sampler: 'real',
      steps: 0,
      guidanceInterval: null,
      msPerImage: null,
      fid: classes.map((c) => fidOf(c.classIndex, c.trainSubset)),
    },
  ];
  const header = `| sampler | steps | ${dataset.classNames.map((c) => `FID ${c} [95% CI]`).join(' | ')} | ms/image |`;
  const lines = [header, `| --- | --- | ${dataset.classNames.map(() => '---').join(' | ')} | --- |`];
  const printRow = (row: ResultRow) => {
    const line = `| ${row.label} | ${row.steps || '–'} | ${row.fid.map(formatInterval).join(' | ')} | ${row.msPerImage === null ? '–' : row.msPerImage.toFixed(1)} |`;
    lines.push(line);
    console.error(line);
  };
  printRow(results[0]);

  for (const config of configs) {
    let elapsedMs = 0;
    const fid: IntervalEstimate[] = [];
    for (const { classIndex } of classes) {
      const started = performance.now();
      const pixels = generateImages(loaded, {
        classIndex,
        count: perClass,
        guidanceScale,
        guidanceInterval: config.guidanceInterval,
        sampler: config.sampler,
        numInferenceSteps: config.steps,
        timestepSpacing: 'linspace',
        seed,
        batchSize,
      });
      elapsedMs += performance.now() - started;
      fid.push(fidOf(classIndex, features(toUint8(pixels))));
    }
    const row: ResultRow = {
      label: config.label,
      sampler: config.sampler,
      steps: config.steps,
      guidanceInterval: config.guidanceInterval ?? null,
      msPerImage: elapsedMs / (perClass * classes.length),
      fid,
    };
    results.push(row);
    printRow(row);
  }

  const memory = memoryFigures();
  console.log(
    [
      `Model ${path.resolve(modelDir)}; ${perClass} images per class, guidance ${guidanceScale}, seed ${seed}, 'linspace' timesteps, ` +
        `batches of ${batchSize}; backend ${backend.name}; FID on ${extractor.description}; ${resamples} bootstrap resamples.`,
      '',
      ...lines,
      '',
      `Peak resident memory ${memory.maxRssMiB} MiB${memory.wasmHeapMiB === null ? '' : `, wasm heap ${memory.wasmHeapMiB} MiB`}.`,
    ].join('\n'),
  );
  const out = options.get('out');
  if (out !== undefined) {
    fs.writeFileSync(out, JSON.stringify({ modelDir: path.resolve(modelDir), perClass, guidanceScale, seed, batchSize, backend: backend.name, memory, results }, null, 2));
  }
  extractor.dispose();
  loaded.dispose();
  if (tf.memory().numTensors !== 0) console.error(`sampler-quality: ${tf.memory().numTensors} tensors left alive at the end`);
}

main().catch((err) => {
  console.error(`sampler-quality: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
