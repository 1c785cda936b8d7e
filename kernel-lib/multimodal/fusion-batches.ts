/**
 * Batches of a MultimodalDataset as tensors, and predictions over a whole dataset.
 */
import * as tf from '@tensorflow/tfjs';
import { Params } from '../nets/params';
import { FusionConfig, FusionInputs, fusionForward } from './fusion-model';
import { Modality, ModalityArrays, MultimodalDataset, exampleSize } from './modalities';

/**
 * Gathers `rows` of each model modality into tensors: input [rows, ...exampleShape] and keep
 * [rows] from `keep` (one flag per row). The caller disposes them (or runs this inside tf.tidy).
 */
export function gatherFusionInputs(
  dataset: MultimodalDataset,
  modalities: readonly Modality[],
  rows: ArrayLike<number>,
  keep: Record<Modality, Float32Array>,
): FusionInputs {
  const inputs: FusionInputs = {};
  for (const modality of modalities) {
    const arrays = dataset.modalities[modality] as ModalityArrays;
    const size = exampleSize(arrays);
    const values = new Float32Array(rows.length * size);
    for (let i = 0; i < rows.length; i++) values.set(arrays.values.subarray(rows[i] * size, (rows[i] + 1) * size), i * size);
    inputs[modality] = {
      input: tf.tensor(values, [rows.length, ...arrays.exampleShape], 'float32'),
      keep: tf.tensor1d(keep[modality], 'float32'),
    };
  }
  return inputs;
}

/** Keep flags of `rows` when only the modalities in `available` may be used: presence ∧ m ∈ available. */
export function availabilityKeep(
  dataset: MultimodalDataset,
  modalities: readonly Modality[],
  available: readonly Modality[],
  rows: ArrayLike<number>,
): Record<Modality, Float32Array> {
  const keep = {} as Record<Modality, Float32Array>;
  for (const modality of modalities) {
    const presence = (dataset.modalities[modality] as ModalityArrays).presence;
    const usable = available.includes(modality);
    keep[modality] = Float32Array.from(rows as ArrayLike<number>, (row: number) => (usable && presence[row] === 1 ? 1 : 0));
  }
  return keep;
}

/**
 * Predicts probabilities [examples] of label 1 when only the modalities in `available` are given
 * to the model (default all of its modalities). The others use the missing embedding.
 * Runs in batches of `batchSize` and leaves no tensors behind.
 */
export function predictFusion(
  config: FusionConfig,
  params: Params,
  dataset: MultimodalDataset,
  available: readonly Modality[] = config.modalities,
  batchSize = 256,
): Float32Array {
  checkDatasetModalities('predictFusion', dataset, config.modalities);
  const out = new Float32Array(dataset.count);
  for (let start = 0; start < dataset.count; start += batchSize) {
    const rows = Int32Array.from({ length: Math.min(batchSize, dataset.count - start) }, (_, i) => start + i);
    const probabilities = tf.tidy(() => {
      const inputs = gatherFusionInputs(dataset, config.modalities, rows, availabilityKeep(dataset, config.modalities, available, rows));
      return tf.sigmoid(fusionForward(config, params, inputs)).dataSync() as Float32Array;
    });
    out.set(probabilities, start);
  }
  return out;
}

/** Throws unless the dataset has arrays of every modality in `modalities`, with matching lengths. */
export function checkDatasetModalities(functionName: string, dataset: MultimodalDataset, modalities: readonly Modality[]): void {
  if (dataset.labels.length !== dataset.count) {
    throw new Error(`${functionName}: the dataset has ${dataset.labels.length} labels for ${dataset.count} examples; give one label per example`);
  }
  for (const modality of modalities) {
    const arrays = dataset.modalities[modality];
    if (!arrays) throw new Error(`${functionName}: the dataset has no '${modality}' arrays; build it with that modality or leave it out of \`modalities\``);
    if (arrays.values.length !== dataset.count * exampleSize(arrays) || arrays.presence.length !== dataset.count) {
      throw new Error(
        `${functionName}: '${modality}' has ${arrays.values.length} values and ${arrays.presence.length} presence flags, expected ${dataset.count} examples of shape [${arrays.exampleShape.join(', ')}]`,
      );
    }
  }
}
