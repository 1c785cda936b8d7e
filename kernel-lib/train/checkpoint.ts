import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { RandomState } from '../util/random';
import { NamedArray, loadSafetensors, saveSafetensors } from './safetensors';

/** Everything needed to continue a training run exactly where it stopped. */
export interface TrainingCheckpoint {
  /** Completed training steps. */
  step: number;
  params: Map<string, NamedArray>;
  ema: Map<string, NamedArray>;
  adamFirstMoments: Map<string, NamedArray>;
  adamSecondMoments: Map<string, NamedArray>;
  adamStep: number;
  /** State of the generator that draws timesteps, noise and condition dropout. */
  noiseRng: RandomState;
  seed: number;
  lossHistory: { step: number; loss: number }[];
}

const GROUPS = { params: 'params/', ema: 'ema/', adamFirstMoments: 'adam.m/', adamSecondMoments: 'adam.v/' } as const;

/** Copies tensors to host memory, [name → {shape, data}]. */
export function toNamedArrays(tensors: Map<string, tf.Tensor>): Map<string, NamedArray> {
  const out = new Map<string, NamedArray>();
  for (const [name, t] of tensors) out.set(name, { shape: t.shape.slice(), data: t.dataSync() as Float32Array });
  return out;
}

/** Writes the checkpoint as one safetensors file, atomically (the old file stays whole until the rename). */
export function saveCheckpoint(filePath: string, checkpoint: TrainingCheckpoint): void {
  const tensors = new Map<string, NamedArray>();
  for (const [group, prefix] of Object.entries(GROUPS) as [keyof typeof GROUPS, string][]) {
    for (const [name, value] of checkpoint[group]) tensors.set(prefix + name, value);
  }
  const state = {
    format: 'medsynth-training-checkpoint',
    version: 1,
    step: checkpoint.step,
    adamStep: checkpoint.adamStep,
    noiseRng: checkpoint.noiseRng,
    seed: checkpoint.seed,
    lossHistory: checkpoint.lossHistory,
  };
  saveSafetensors(filePath, tensors, { medsynth: JSON.stringify(state) });
}

export function loadCheckpoint(filePath: string): TrainingCheckpoint {
  const { tensors, metadata } = loadSafetensors(filePath);
  if (!metadata.medsynth) {
    throw new Error(`loadCheckpoint: ${filePath} is a safetensors file without medsynth training state; it cannot be resumed`);
  }
  const state = JSON.parse(metadata.medsynth);
  const groups = { params: new Map(), ema: new Map(), adamFirstMoments: new Map(), adamSecondMoments: new Map() } as Record<
    keyof typeof GROUPS,
    Map<string, NamedArray>
  >;
  for (const [fullName, value] of tensors) {
    const entry = (Object.entries(GROUPS) as [keyof typeof GROUPS, string][]).find(([, prefix]) => fullName.startsWith(prefix));
    if (entry) groups[entry[0]].set(fullName.slice(entry[1].length), value);
  }
  return {
    step: state.step,
    adamStep: state.adamStep,
    noiseRng: state.noiseRng,
    seed: state.seed,
    lossHistory: state.lossHistory ?? [],
    ...groups,
  };
}

/** Loads only the EMA (or raw) weights of a checkpoint as tensors, for sampling. */
export function loadWeights(filePath: string, weights: 'ema' | 'params' = 'ema'): Map<string, tf.Tensor> {
  const checkpoint = loadCheckpoint(filePath);
  const source = weights === 'ema' && checkpoint.ema.size > 0 ? checkpoint.ema : checkpoint.params;
  const out = new Map<string, tf.Tensor>();
  for (const [name, { shape, data }] of source) out.set(name, tf.tensor(data, shape, 'float32'));
  return out;
}

/**
 * Opens the checkpoint a trainer resumes from: `checkpointPath` when `resume` is set and the file
 * exists, else none. Throws, naming `caller`, when the checkpoint was trained with another seed.
 */
export function openResumeCheckpoint(
  caller: string,
  options: { resume?: boolean; checkpointPath?: string; seed: number },
): { checkpoint: TrainingCheckpoint; resumeFrom: string } | null {
  const { checkpointPath } = options;
  if (!options.resume || !checkpointPath || !fs.existsSync(checkpointPath)) return null;
  const checkpoint = loadCheckpoint(checkpointPath);
  if (checkpoint.seed !== options.seed) {
    throw new Error(
      `${caller}: checkpoint ${checkpointPath} was trained with seed ${checkpoint.seed}, not ${options.seed}; ` +
        'resume with the same seed or start a new model directory',
    );
  }
  return { checkpoint, resumeFrom: checkpointPath };
}
