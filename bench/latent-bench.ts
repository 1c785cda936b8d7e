import * as fs from 'fs';
import * as path from 'path';
import * as os from 'os';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../kernel-lib/backend/select';
import { ImageDataset, ImageSplit } from '../kernel-lib/data/image-dataset';
import { makeChestPhantomDataset } from '../kernel-lib/data/phantom';
import { loadImageDataset } from '../kernel-lib/data/registry';
import { makeNoiseSchedule } from '../kernel-lib/diffusion/schedules';
import { percentileInterval } from '../kernel-lib/eval/bootstrap';
import { FeatureExtractor, openDomainFeatureExtractor } from '../kernel-lib/eval/fidelity/feature-extractor';
import { FeatureRows, selectFeatureRows } from '../kernel-lib/eval/fidelity/feature-rows';
import { frechetDistancesToReference, statisticsUnchecked } from '../kernel-lib/eval/fidelity/frechet-distance';
import { syntheticPngText, tileImages, toUint8, writeGrayPng } from '../kernel-lib/io/png';
import { AutoencoderConfig, encodeDistribution } from '../kernel-lib/nets/autoencoder';
import { createParams, disposeParams } from '../kernel-lib/nets/params';
import { UNetConfig, unetForward, unetParamSpecs } from '../kernel-lib/nets/unet';
import { generateImages, imageTrainingData, loadImageDiffusionModel, trainImageDiffusion } from '../kernel-lib/pipelines/image-diffusion';
import { generateLatentImages, loadLatentImageDiffusionModel, trainLatentImageDiffusion } from '../kernel-lib/pipelines/latent-image-diffusion';
import { AutoencoderTrainer } from '../kernel-lib/train/autoencoder-trainer';
import { DiffusionTrainer } from '../kernel-lib/train/diffusion-trainer';
import { setLogLevel } from '../kernel-lib/util/log';
import { Random } from '../kernel-lib/util/random';

/**
 * Pixel-space against latent diffusion at an equal training budget per dataset: FID against
 * the real test split per CPU-hour of training.
 *
 * For each dataset, both models get `--budget-s` CPU-seconds of training. The step counts are
 * set from a short CPU-time measurement of each network before the run (2 steps after 1 warm-up
 * step), so the measured training time lands near the budget, not exactly on it. CPU time,
 * unlike wall time, stays comparable when other jobs share the cores. The latent model spends
 * `--autoencoder-share` of its budget on the autoencoder, and the encoding of the training split
 * also counts against it. Each model then draws images in the class proportions of a seeded
 * subset of the real test split. FID is computed in the project's domain feature space, the CNN
 * classifier trained on all real training images that `medsynth fidelity` also uses, with a
 * 95% percentile bootstrap interval.
 *
 * ΔFID per CPU-hour = (FID of uniform-noise images − FID of the model) / training CPU-hours.
 * CPU time is the process's user + system time during training (process.cpuUsage), which stays
 * close to the wall time on the single-threaded wasm backend. Higher is better.
 *
 * Usage: node dist/bench/latent-bench.js [--datasets pneumoniamnist,chest-phantom-128]
 *   [--budget-s 600] [--autoencoder-share 0.3] [--fid-images 300] [--sampler dpmsolver++]
 *   [--sampling-steps 20] [--guidance 2] [--extractor-epochs 30] [--out DIR] [--backend wasm]
 */

const DATASETS = ['pneumoniamnist', 'chest-phantom-128'] as const;
type DatasetName = (typeof DATASETS)[number];

/** Networks and batch sizes per dataset; both models of a dataset share the schedule and learning rate. */
interface BenchSettings {
  pixel: { unet: Partial<UNetConfig>; batchSize: number };
  latent: {
    autoencoder: AutoencoderConfig;
    autoencoderBatchSize: number;
    cropSize: number | null;
    unet: Partial<UNetConfig>;
    batchSize: number;
  };
  note: string;
}

const SETTINGS: Record<DatasetName, BenchSettings> = {
  // 28 is not a multiple of 8, so the autoencoder uses factor 4: latents 7×7×4.
  pneumoniamnist: {
    pixel: { unet: { widths: [32, 64, 64] }, batchSize: 32 },
    latent: { autoencoder: { factor: 4, widths: [32, 64], latentChannels: 4, normGroups: 8 }, autoencoderBatchSize: 16, cropSize: null, unet: { widths: [64, 64] }, batchSize: 64 },
    note: 'latent, factor 4, 7×7×4 (28 is not a multiple of 8)',
  },
  // Factor 8: latents 16×16×4. The autoencoder trains on random 32×32 crops.
  'chest-phantom-128': {
    pixel: { unet: { widths: [16, 32, 64, 64] }, batchSize: 8 },
    latent: { autoencoder: { factor: 8, widths: [16, 32, 64], latentChannels: 4, normGroups: 8 }, autoencoderBatchSize: 16, cropSize: 32, unet: { widths: [64, 64, 64] }, batchSize: 32 },
    note: 'latent, factor 8, 16×16×4, autoencoder on 32×32 crops',
  },
};

const LEARNING_RATE = 5e-4;

interface Options {
  datasets: DatasetName[];
  budgetSeconds: number;
  autoencoderShare: number;
  fidImages: number;
  sampler: string;
  samplingSteps: number;
  guidance: number;
  extractorEpochs: number;
  outDir: string;
  backend: string;
}

function parseOptions(args: string[]): Options {
  const option = (name: string, fallback: string): string => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const datasets = option('datasets', DATASETS.join(',')).split(',');
  for (const name of datasets) {
    if (!(DATASETS as readonly string[]).includes(name)) throw new Error(`latent-bench: unknown dataset '${name}'; use ${DATASETS.join(', ')}`);
  }
  const options: Options = {
    datasets: datasets as DatasetName[],
    budgetSeconds: Number(option('budget-s', '600')),
    autoencoderShare: Number(option('autoencoder-share', '0.3')),
    fidImages: Number(option('fid-images', '300')),
    sampler: option('sampler', 'dpmsolver++'),
    samplingSteps: Number(option('sampling-steps', '20')),
    guidance: Number(option('guidance', '2')),
    extractorEpochs: Number(option('extractor-epochs', '30')),
    outDir: path.resolve(option('out', path.join(os.tmpdir(), 'medsynth-latent-bench'))),
    backend: option('backend', 'wasm'),
  };
  if (!(options.budgetSeconds > 0)) throw new Error(`latent-bench: --budget-s must be a positive number of seconds, got ${options.budgetSeconds}`);
  if (!(options.autoencoderShare > 0 && options.autoencoderShare < 1)) throw new Error(`latent-bench: --autoencoder-share must be in (0, 1), got ${options.autoencoderShare}`);
  if (!Number.isInteger(options.fidImages) || options.fidImages < 2) throw new Error(`latent-bench: --fid-images must be an integer >= 2, got ${options.fidImages}`);
  return options;
}

function loadDataset(name: DatasetName): ImageDataset {
  return name === 'chest-phantom-128' ? makeChestPhantomDataset({ size: 128 }) : loadImageDataset(name);
}

/** Returns the mean CPU time (user + system) of `steps` calls of `step` after one warm-up call, in ms. */
function timeSteps(step: () => void, steps = 2): number {
  step();
  const started = process.cpuUsage();
  for (let i = 0; i < steps; i++) step();
  return (cpuSeconds(started) * 1000) / steps;
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

/** Step counts that fill the budget, from a timing of each network on the dataset. */
function planSteps(dataset: ImageDataset, settings: BenchSettings, options: Options): { pixel: number; autoencoder: number; latent: number; encodingSeconds: number } {
  const train = dataset.splits.train;
  const classes = dataset.classNames.length;
  const schedule = makeNoiseSchedule({ numTrainTimesteps: 1000, betaSchedule: 'linear', betaStart: 1e-4, betaEnd: 0.02, zeroTerminalSnr: false });
  const unetDefaults = { widths: [32, 64, 64], numResBlocks: 1, embeddingDim: 128, normGroups: 8, midAttention: true };
  const unetMs = (unet: UNetConfig, data: ReturnType<typeof imageTrainingData>, batchSize: number) => {
    const trainer = new DiffusionTrainer({
      schedule,
      predictionType: 'epsilon',
      paramSpecs: unetParamSpecs(unet),
      forward: (params, xt, t, y) => unetForward(unet, params, xt as tf.Tensor4D, t, y),
      data,
      nullClass: classes,
      batchSize,
      numSteps: 3,
      learningRate: LEARNING_RATE,
      emaDecay: 0.999,
      conditionDropout: 0.1,
      seed: 0,
    });
    const ms = timeSteps(() => trainer.trainStep());
    trainer.dispose();
    return ms;
  };

  // 1. Pixel U-Net.
  const pixelUnet: UNetConfig = { ...unetDefaults, ...settings.pixel.unet, numClasses: classes, inChannels: 1, outChannels: 1 };
  const pixelMs = unetMs(pixelUnet, imageTrainingData(train, dataset.height, dataset.width), settings.pixel.batchSize);

  // 2. Autoencoder, and the encoding of the training split extrapolated from 32 images.
  const ae = settings.latent.autoencoder;
  const aeTrainer = new AutoencoderTrainer({
    config: ae,
    data: { images: train.images, count: train.count, height: dataset.height, width: dataset.width },
    batchSize: settings.latent.autoencoderBatchSize,
    numSteps: 3,
    learningRate: 1e-3,
    beta: 1e-6,
    reconstructionLoss: 'l1',
    cropSize: settings.latent.cropSize,
    seed: 0,
  });
  const aeMs = timeSteps(() => aeTrainer.trainStep());
  const encodeMs = timeSteps(() => {
    tf.tidy(() => encodeDistribution(ae, aeTrainer.params, tf.zeros([32, dataset.height, dataset.width, 1]) as tf.Tensor4D).mean.dataSync());
  }, 1);
  aeTrainer.dispose();
  const encodingSeconds = (encodeMs / 32 / 1000) * train.count;

  // 3. Latent U-Net, timed on zero latents of the right shape.
  const side = ae.factor;
  const latentShape = [dataset.height / side, dataset.width / side, ae.latentChannels];
  const latentUnet: UNetConfig = { ...unetDefaults, ...settings.latent.unet, numClasses: classes, inChannels: ae.latentChannels, outChannels: ae.latentChannels };
  const zeros = { count: train.count, sampleShape: latentShape, labels: train.labels, fillBatch: () => undefined };
  const latentMs = unetMs(latentUnet, zeros, settings.latent.batchSize);

  const budgetMs = options.budgetSeconds * 1000;
  const aeSteps = Math.max(1, Math.floor((options.autoencoderShare * budgetMs) / aeMs));
  const latentBudgetMs = budgetMs - aeSteps * aeMs - encodingSeconds * 1000;
  console.error(
    `[latent-bench] ${dataset.name}: CPU ms/step pixel ${pixelMs.toFixed(0)}, autoencoder ${aeMs.toFixed(0)}, latent U-Net ${latentMs.toFixed(0)}; ` +
      `encoding estimate ${encodingSeconds.toFixed(1)} s`,
  );
  return {
    pixel: Math.max(1, Math.floor(budgetMs / pixelMs)),
    autoencoder: aeSteps,
    latent: Math.max(1, Math.floor(latentBudgetMs / latentMs)),
    encodingSeconds,
  };
}

/** Real reference of one dataset: extractor, features of a seeded test subset and of an equal train subset, class counts of that subset. */
interface Reference {
  extractor: FeatureExtractor;
  test: FeatureRows;
  train: FeatureRows;
  countsPerClass: number[];
  n: number;
}

function asRows(data: Float64Array, numFeatures: number): FeatureRows {
  return { data, count: data.length / numFeatures, numFeatures };
}

function gatherRows(split: ImageSplit, rows: Int32Array, size: number): Uint8Array {
  const out = new Uint8Array(rows.length * size);
  rows.forEach((row, i) => out.set(split.images.subarray(row * size, (row + 1) * size), i * size));
  return out;
}

function openReference(dataset: ImageDataset, outDir: string, options: Options): Reference {
  const train = dataset.splits.train;
  const val = dataset.splits.val as ImageSplit;
  const test = dataset.splits.test as ImageSplit;
  const { extractor } = openDomainFeatureExtractor({
    filePath: path.join(outDir, 'feature-extractor.safetensors'),
    train: { pixels: train.images, labels: train.labels, height: dataset.height, width: dataset.width },
    validation: { pixels: val.images, labels: val.labels, height: dataset.height, width: dataset.width },
    numClasses: dataset.classNames.length,
    training: { seed: 0, maxEpochs: options.extractorEpochs },
    trainedOn: `all ${train.count} real training images of ${dataset.name}`,
  });
  const size = dataset.height * dataset.width;
  const n = Math.min(options.fidImages, test.count, train.count);
  const rng = new Random(12345);
  const testRows = rng.permutation(test.count).subarray(0, n);
  const trainRows = rng.permutation(train.count).subarray(0, n);
  const countsPerClass = new Array<number>(dataset.classNames.length).fill(0);
  for (const row of testRows) countsPerClass[test.labels[row]]++;
  const extract = (images: Uint8Array) => asRows(extractor.extract(images, dataset.height, dataset.width), extractor.numFeatures);
  return { extractor, test: extract(gatherRows(test, testRows, size)), train: extract(gatherRows(train, trainRows, size)), countsPerClass, n };
}

interface FidEstimate {
  value: number;
  lower: number;
  upper: number;
}

/** FID(rows, real test subset) with a 95% percentile bootstrap interval over 200 resamples of both sets. */
function fidWithInterval(reference: Reference, rows: FeatureRows, seed: number): FidEstimate {
  const testStatistics = statisticsUnchecked(reference.test);
  const [value] = frechetDistancesToReference(testStatistics, [statisticsUnchecked(rows)]);
  const rng = new Random(seed);
  const resamples = new Float64Array(200);
  const draw = (count: number) => Int32Array.from({ length: count }, () => rng.int(count));
  for (let r = 0; r < resamples.length; r++) {
    const resampledTest = statisticsUnchecked(selectFeatureRows(reference.test, draw(reference.test.count)));
    [resamples[r]] = frechetDistancesToReference(resampledTest, [statisticsUnchecked(selectFeatureRows(rows, draw(rows.count)))]);
  }
  const { lower, upper } = percentileInterval(resamples, 0.95);
  return { value, lower, upper };
}

interface Row {
  dataset: string;
  /** Images per set in FID. */
  n: number;
  model: string;
  trainingSeconds: number;
  cpuSeconds: number;
  steps: string;
  samplingMsPerImage: number;
  fid: FidEstimate;
  deltaFidPerCpuHour: number;
}

/** Samples the reference's class counts from `generate`, writes a marked synthetic grid, returns features and ms per image. */
function sampleAndExtract(
  dataset: ImageDataset,
  reference: Reference,
  generate: (classIndex: number, count: number, seed: number) => Float32Array,
  gridPath: string,
): { rows: FeatureRows; msPerImage: number } {
  const size = dataset.height * dataset.width;
  const pixels = new Uint8Array(reference.n * size);
  let done = 0;
  const started = Date.now();
  reference.countsPerClass.forEach((count, classIndex) => {
    if (count === 0) return;
    pixels.set(toUint8(generate(classIndex, count, 100 + classIndex)), done * size);
    done += count;
  });
  const msPerImage = (Date.now() - started) / reference.n;
  const gridCount = Math.min(16, reference.n);
  const grid = tileImages(pixels.subarray(0, gridCount * size), gridCount, dataset.height, dataset.width, 4);
  writeGrayPng(gridPath, grid.pixels, grid.width, grid.height, syntheticPngText({ Dataset: dataset.name }));
  return { rows: asRows(reference.extractor.extract(pixels, dataset.height, dataset.width), reference.extractor.numFeatures), msPerImage };
}

function benchDataset(name: DatasetName, options: Options): Row[] {
  const dataset = loadDataset(name);
  const settings = SETTINGS[name];
  const outDir = path.join(options.outDir, name);
  fs.mkdirSync(outDir, { recursive: true });
  const plan = planSteps(dataset, settings, options);
  const training = { learningRate: LEARNING_RATE, checkpointEvery: 1_000_000, seed: 0 };
  const sampling = { guidanceScale: options.guidance, sampler: options.sampler, numInferenceSteps: options.samplingSteps, batchSize: 16 };

  // 1. Real reference and the uniform-noise baseline.
  const reference = openReference(dataset, outDir, options);
  const noiseRng = new Random(7);
  const noise = Uint8Array.from({ length: reference.n * dataset.height * dataset.width }, () => noiseRng.int(256));
  const noiseFid = fidWithInterval(reference, asRows(reference.extractor.extract(noise, dataset.height, dataset.width), reference.extractor.numFeatures), 1);
  const floor = fidWithInterval(reference, reference.train, 2);
  console.error(`[latent-bench] ${name}: n = ${reference.n}, FID floor (real train vs test) ${floor.value.toFixed(2)}, uniform noise ${noiseFid.value.toFixed(1)}`);

  const rows: Row[] = [];
  const sampleSize = reference.n;
  const addRow = (model: string, seconds: number, cpu: number, steps: string, sampled: { rows: FeatureRows; msPerImage: number }) => {
    const fid = fidWithInterval(reference, sampled.rows, 3);
    rows.push({ dataset: name, n: sampleSize, model, trainingSeconds: seconds, cpuSeconds: cpu, steps, samplingMsPerImage: sampled.msPerImage, fid, deltaFidPerCpuHour: (noiseFid.value - fid.value) / (cpu / 3600) });
    console.error(`[latent-bench] ${name} ${model}: FID ${fid.value.toFixed(2)} [${fid.lower.toFixed(2)}, ${fid.upper.toFixed(2)}]`);
  };

  // 2. Pixel-space model.
  const pixelDir = path.join(outDir, 'pixel');
  fs.rmSync(pixelDir, { recursive: true, force: true });
  let cpuStart = process.cpuUsage();
  let started = Date.now();
  trainImageDiffusion({
    dataset,
    modelDir: pixelDir,
    unet: settings.pixel.unet,
    training: { ...training, batchSize: settings.pixel.batchSize, numSteps: plan.pixel },
  });
  let seconds = (Date.now() - started) / 1000;
  let cpu = cpuSeconds(cpuStart);
  // Raw weights, not EMA: after a few hundred steps an EMA with decay 0.999 is still mostly the initial weights.
  const pixel = loadImageDiffusionModel(pixelDir, 'params');
  const pixelSamples = sampleAndExtract(dataset, reference, (classIndex, count, seed) => generateImages(pixel, { ...sampling, classIndex, count, seed }), path.join(outDir, 'synthetic_grid_pixel.png'));
  pixel.dispose();
  addRow('pixel U-Net', seconds, cpu, `${plan.pixel}`, pixelSamples);

  // 3. Latent model: autoencoder, encoding and U-Net, all inside the budget.
  const latentDir = path.join(outDir, 'latent');
  fs.rmSync(latentDir, { recursive: true, force: true });
  cpuStart = process.cpuUsage();
  started = Date.now();
  trainLatentImageDiffusion({
    dataset,
    modelDir: latentDir,
    autoencoder: { ...settings.latent.autoencoder },
    autoencoderTraining: { batchSize: settings.latent.autoencoderBatchSize, numSteps: plan.autoencoder, cropSize: settings.latent.cropSize, checkpointEvery: 1_000_000 },
    unet: settings.latent.unet,
    training: { ...training, batchSize: settings.latent.batchSize, numSteps: plan.latent },
  });
  seconds = (Date.now() - started) / 1000;
  cpu = cpuSeconds(cpuStart);
  const latent = loadLatentImageDiffusionModel(latentDir, 'params');
  const latentSamples = sampleAndExtract(dataset, reference, (classIndex, count, seed) => generateLatentImages(latent, { ...sampling, classIndex, count, seed }), path.join(outDir, 'synthetic_grid_latent.png'));
  latent.dispose();
  addRow(settings.note, seconds, cpu, `AE ${plan.autoencoder} + U-Net ${plan.latent}`, latentSamples);

  rows.push({ dataset: name, n: sampleSize, model: 'real training images (FID floor)', trainingSeconds: NaN, cpuSeconds: NaN, steps: '', samplingMsPerImage: NaN, fid: floor, deltaFidPerCpuHour: NaN });
  rows.push({ dataset: name, n: sampleSize, model: 'uniform noise (baseline)', trainingSeconds: NaN, cpuSeconds: NaN, steps: '', samplingMsPerImage: NaN, fid: noiseFid, deltaFidPerCpuHour: NaN });
  reference.extractor.dispose();
  return rows;
}

function formatTable(rows: Row[], options: Options): string {
  const number = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '');
  const lines = [
    `Budget ${options.budgetSeconds} CPU-s of training per model. Sampling: ${options.sampler}, ${options.samplingSteps} steps, guidance ${options.guidance}. FID on n images per set.`,
    '| dataset | n | model | training s (wall) | training CPU s | steps | sampling ms/image (wall) | FID [95% CI] | ΔFID per CPU-hour |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    const fid = `${row.fid.value.toFixed(2)} [${row.fid.lower.toFixed(2)}, ${row.fid.upper.toFixed(2)}]`;
    lines.push(
      `| ${row.dataset} | ${row.n} | ${row.model} | ${number(row.trainingSeconds, 0)} | ${number(row.cpuSeconds, 0)} | ${row.steps} | ${number(row.samplingMsPerImage, 0)} | ${fid} | ${number(row.deltaFidPerCpuHour, 0)} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  setLogLevel('warn');
  await selectBackend({ backend: options.backend });
  fs.mkdirSync(options.outDir, { recursive: true });
  const rows: Row[] = [];
  for (const name of options.datasets) {
    rows.push(...benchDataset(name, options));
    fs.writeFileSync(path.join(options.outDir, 'latent-bench.json'), JSON.stringify({ options, rows }, null, 2));
  }
  console.log(formatTable(rows, options));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
