import * as path from 'path';
import { selectBackend } from '../backend/select';
import { loadImageDataset } from '../data/registry';
import { describeDataset } from '../data/image-dataset';
import { trainImageDiffusion } from '../pipelines/image-diffusion';
import { OptionSpec, formatHelp, parseIntList, parseOptions } from './args';
import { createProgressBar } from './progress';

export const TRAIN_DIFFUSION_OPTIONS: Record<string, OptionSpec> = {
  data: { type: 'string', required: true, description: 'registered dataset name (pneumoniamnist, breastmnist, chest-phantom, demo) or a .npz file or PNG folder' },
  out: { type: 'string', required: true, description: 'model directory to write (model.json, checkpoint.safetensors)' },
  steps: { type: 'number', default: 2000, description: 'training steps' },
  'batch-size': { type: 'number', default: 64, description: 'images per step' },
  'learning-rate': { type: 'number', default: 2e-4, description: 'Adam learning rate' },
  'ema-decay': { type: 'number', default: 0.999, description: 'decay of the EMA weights used for sampling' },
  'condition-dropout': { type: 'number', default: 0.1, description: 'probability of training a row unconditionally (for guidance)' },
  widths: { type: 'string', default: '32,64,64', description: 'U-Net channel widths per level, comma-separated' },
  'res-blocks': { type: 'number', default: 1, description: 'residual blocks per level' },
  'embedding-dim': { type: 'number', default: 128, description: 'timestep and class embedding size' },
  schedule: { type: 'string', default: 'linear', description: 'beta schedule: linear, scaled_linear or cosine' },
  prediction: { type: 'string', default: 'epsilon', description: 'network target: epsilon or v_prediction' },
  seed: { type: 'number', default: 0, description: 'seed of initialisation, data order and noise' },
  'checkpoint-every': { type: 'number', default: 200, description: 'steps between checkpoints' },
  workers: { type: 'number', default: 1, description: 'worker threads that share each batch, one backend each (1: train on the main thread; more workers than cores do not help)' },
  'target-epsilon': { type: 'number', description: 'train with DP-SGD, with the noise multiplier that reaches this ε after --steps steps' },
  'noise-multiplier': { type: 'number', description: 'train with DP-SGD with this noise multiplier σ (instead of --target-epsilon)' },
  'sample-rate': { type: 'number', description: 'DP-SGD: Poisson sampling rate q per step, in (0, 1]; replaces --batch-size (expected batch q N)' },
  'clip-norm': { type: 'number', default: 1, description: 'DP-SGD: L2 norm each image’s gradient is clipped to' },
  delta: { type: 'number', default: 1e-5, description: 'DP-SGD: δ of the reported (ε, δ) guarantee' },
  'no-resume': { type: 'boolean', description: 'fail instead of resuming when the model directory has a checkpoint' },
  backend: { type: 'string', description: 'auto, node-gpu, node, wasm or cpu (default: MEDSYNTH_BACKEND or auto)' },
  help: { type: 'boolean', description: 'show this help' },
};

const SUMMARY = [
  'Trains a class-conditional diffusion model on the train split of an image dataset.',
  'With --target-epsilon or --noise-multiplier it trains with DP-SGD: each step samples every image',
  'with probability --sample-rate, clips each image’s gradient and adds Gaussian noise; model.json records ε.',
].join('\n');

/** Returns the DP-SGD settings given on the command line, or null for non-private training. */
function privacyOptions(o: Record<string, unknown>): Record<string, unknown> | null {
  const targetEpsilon = o['target-epsilon'] as number | undefined;
  const noiseMultiplier = o['noise-multiplier'] as number | undefined;
  const sampleRate = o['sample-rate'] as number | undefined;
  if (targetEpsilon === undefined && noiseMultiplier === undefined) {
    if (sampleRate !== undefined) {
      throw new Error(`train-diffusion: --sample-rate ${sampleRate} applies to DP-SGD only; add --target-epsilon or --noise-multiplier, or leave it out`);
    }
    return null;
  }
  if (targetEpsilon !== undefined && noiseMultiplier !== undefined) {
    throw new Error(`train-diffusion: give one of --target-epsilon (${targetEpsilon}) and --noise-multiplier (${noiseMultiplier}), not both`);
  }
  if (sampleRate === undefined) {
    throw new Error('train-diffusion: DP-SGD needs --sample-rate, the probability q in (0, 1] that a step samples each image (expected batch q N)');
  }
  return { targetEpsilon: targetEpsilon ?? null, noiseMultiplier: noiseMultiplier ?? null, sampleRate, clipNorm: o['clip-norm'], delta: o.delta };
}

export async function trainDiffusionCommand(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(formatHelp('train-diffusion', SUMMARY, TRAIN_DIFFUSION_OPTIONS));
    return;
  }
  const o = parseOptions('train-diffusion', argv, TRAIN_DIFFUSION_OPTIONS);
  const privacy = privacyOptions(o);
  const backend = await selectBackend({ backend: o.backend as string | undefined });
  const dataset = loadImageDataset(o.data as string);
  console.error(describeDataset(dataset));

  const total = o.steps as number;
  const bar = createProgressBar('train-diffusion', total, 'steps');
  const started = Date.now();
  let firstStep = -1;
  let lastLoss = NaN;
  const result = trainImageDiffusion({
    dataset,
    modelDir: path.resolve(o.out as string),
    unet: { widths: parseIntList('widths', o.widths as string), numResBlocks: o['res-blocks'] as number, embeddingDim: o['embedding-dim'] as number },
    schedule: { betaSchedule: o.schedule },
    predictionType: o.prediction as string,
    training: {
      numSteps: total,
      batchSize: o['batch-size'],
      learningRate: o['learning-rate'],
      emaDecay: o['ema-decay'],
      conditionDropout: o['condition-dropout'],
      seed: o.seed,
      checkpointEvery: o['checkpoint-every'],
      workers: o.workers,
      privacy,
    },
    resume: !o['no-resume'],
    onProgress: (p) => {
      if (firstStep < 0) firstStep = p.step - 1;
      lastLoss = p.loss;
      const epsilon = (p as { epsilon?: number }).epsilon;
      const spent = epsilon === undefined ? '' : ` | epsilon ${epsilon.toFixed(3)}`;
      bar.update(p.step, `loss ${p.loss.toFixed(4)}${spent} | ${Math.round(p.msPerStep)} ms/step`);
    },
  });
  bar.stop();
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `trained ${result.steps} steps (${firstStep >= 0 ? result.steps - firstStep : 0} this run) in ${seconds.toFixed(0)} s on ${backend.name}; ` +
      `last loss ${(Number.isFinite(lastLoss) ? lastLoss : result.finalLoss).toFixed(4)}; model in ${path.resolve(o.out as string)}`,
  );
}
