import * as tf from '@tensorflow/tfjs';
import { ClassifierConfig } from '../../classify/cnn';
import { Params } from '../../nets/params';
import { loadSafetensors, saveSafetensors } from '../../train/safetensors';
import { toNamedArrays } from '../../train/checkpoint';

/** Saves a classifier's weights and configuration as one safetensors file. */
export function saveClassifier(filePath: string, config: ClassifierConfig, params: Params): void {
  saveSafetensors(filePath, toNamedArrays(params), { medsynthClassifier: JSON.stringify(config) });
}

export function loadClassifier(filePath: string): { config: ClassifierConfig; params: Params } {
  const { tensors, metadata } = loadSafetensors(filePath);
  if (!metadata.medsynthClassifier) throw new Error(`${filePath} is missing the medsynth classifier configuration; delete it and resume the run`);
  const params: Params = new Map();
  for (const [name, { shape, data }] of tensors) params.set(name, tf.tensor(data, shape));
  return { config: JSON.parse(metadata.medsynthClassifier) as ClassifierConfig, params };
}
