import * as tf from '@tensorflow/tfjs';
import { Params, createParams, disposeParams } from '../nets/params';
import { Adam } from '../train/adam';
import { log } from '../util/log';
import { Random } from '../util/random';
import { AugmentOptions, augmentImage, oversampleIndices, validateAugmentOptions } from './augment';
import { ClassifierConfig, DEFAULT_CLASSIFIER_WIDTHS, classifierForward, classifierParamSpecs, validateClassifierConfig } from './cnn';
import { ImageRows, checkImageRows, fillModelRange, predictUnchecked } from './predict';
import { auroc } from '../eval/roc';

/** Row sampling schemes for one training epoch. */
export const CLASSIFIER_SAMPLERS = ['uniform', 'oversample'] as const;
export type ClassifierSampler = (typeof CLASSIFIER_SAMPLERS)[number];

/** Images with one class index per image. */
export interface LabeledImageRows extends ImageRows {
  /** [count], class indices in [0, numClasses). */
  labels: Int32Array;
}

/** Progress after each epoch, for progress bars and notebook displays. */
export interface ClassifierProgress {
  /** 1-based epoch just finished. */
  epoch: number;
  maxEpochs: number;
  /** Optimiser steps taken so far. */
  step: number;
  /** Mean training loss of the epoch. */
  loss: number;
  valAuroc: number;
  msPerEpoch: number;
}

export interface TrainClassifierOptions {
  train: LabeledImageRows;
  validation: LabeledImageRows;
  numClasses: number;
  /** Convolution widths (default [16, 32, 64]). */
  widths?: number[];
  /** Per-class weights of the cross-entropy, one per class (default: all 1). */
  classWeights?: number[];
  /** `uniform`: each row once per epoch; `oversample`: see `oversampleIndices` (default `uniform`). */
  sampler?: ClassifierSampler;
  /** Random augmentation of the training rows of `augment.classes`, drawn anew each time a row is used. */
  augment?: AugmentOptions | null;
  /** Rows per optimiser step; the last batch of an epoch may be smaller (default 32). */
  batchSize?: number;
  /** Default 30. */
  maxEpochs?: number;
  /** Adam learning rate (default 1e-3). */
  learningRate?: number;
  /** Stop after this many epochs without a higher validation AUROC (default 5). */
  patience?: number;
  /**
   * Never stop before this epoch (default 1: no floor). On a strongly imbalanced training set
   * the network can sit at the class prior for a dozen epochs before the validation AUROC
   * rises, and early stopping during that plateau returns a classifier of the prior.
   */
  minEpochs?: number;
  seed: number;
  onProgress?: (progress: ClassifierProgress) => void;
}

export interface ClassifierEpoch {
  epoch: number;
  loss: number;
  valAuroc: number;
}

export interface TrainedClassifier {
  config: ClassifierConfig;
  /** Weights of the best epoch, as plain tensors; the caller disposes them (`disposeParams`). */
  params: Params;
  /** 1-based epoch whose weights are returned: the first with the highest validation AUROC. */
  bestEpoch: number;
  bestValAuroc: number;
  history: ClassifierEpoch[];
  /** True when patience ran out before `maxEpochs`. */
  stoppedEarly: boolean;
}

/**
 * Weighted softmax cross-entropy, as PyTorch's `cross_entropy(weight=w)` with mean
 * reduction: L = −Σ_i w_{y_i} log softmax(z_i)[y_i] / Σ_i w_{y_i}. Without weights this
 * is the mean over rows. logits [batch, numClasses], labels [batch] → scalar.
 */
export function weightedCrossEntropy(logits: tf.Tensor2D, labels: Int32Array, classWeights: number[] | null = null): tf.Scalar {
  const [batch, numClasses] = logits.shape;
  if (labels.length !== batch) {
    throw new Error(`weightedCrossEntropy: ${batch} rows of logits but ${labels.length} labels; give one label per row`);
  }
  if (classWeights !== null && classWeights.length !== numClasses) {
    throw new Error(`weightedCrossEntropy: ${classWeights.length} class weights for ${numClasses} classes; give one weight per class`);
  }
  const rowWeights = Float32Array.from(labels, (label) => (classWeights === null ? 1 : classWeights[label]));
  return tf.tidy(() => {
    // log p(y_i | x_i): [batch, numClasses] masked by one-hot labels, summed over classes → [batch]
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses);
    const logProbabilityOfLabel = tf.sum(tf.mul(tf.logSoftmax(logits), oneHot), 1);
    const weights = tf.tensor1d(rowWeights);
    return tf.div(tf.neg(tf.sum(tf.mul(weights, logProbabilityOfLabel))), tf.sum(weights)) as tf.Scalar;
  });
}

interface CheckedOptions {
  trainCount: number;
  validationCount: number;
}

function checkLabels(caller: string, name: string, labels: Int32Array, count: number, numClasses: number): number[] {
  if (!(labels instanceof Int32Array)) throw new Error(`${caller}: ${name} labels must be an Int32Array`);
  if (labels.length !== count) {
    throw new Error(`${caller}: ${name} has ${count} images but ${labels.length} labels; give one label per image`);
  }
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < count; i++) {
    const label = labels[i];
    if (!(label >= 0 && label < numClasses)) {
      throw new Error(`${caller}: ${name} label ${label} at row ${i} is outside [0, ${numClasses}); labels must be class indices`);
    }
    counts[label]++;
  }
  return counts;
}

function validateTrainOptions(options: TrainClassifierOptions): CheckedOptions {
  const caller = 'trainClassifier';
  const fail = (message: string): never => {
    throw new Error(`${caller}: ${message}`);
  };
  const { train, validation, numClasses } = options;
  if (!Number.isInteger(numClasses) || numClasses < 2) fail(`\`numClasses\` must be an integer >= 2, got ${numClasses}`);

  // 1. Training rows: non-empty, valid pixels and labels, every class present.
  const trainCount = checkImageRows(caller, 'train', train);
  if (trainCount === 0) fail('the training set is empty; give at least one image of every class');
  const classCounts = checkLabels(caller, 'train', train.labels, trainCount, numClasses);
  classCounts.forEach((count, k) => {
    if (count === 0) fail(`class ${k} has ${count} training rows of ${trainCount}; every class needs at least one (or lower \`numClasses\`)`);
  });

  // 2. Validation rows: same image size, enough classes to compute an AUROC.
  const validationCount = checkImageRows(caller, 'validation', validation);
  if (validation.height !== train.height || validation.width !== train.width) {
    fail(`validation images are ${validation.height} × ${validation.width} but training images are ${train.height} × ${train.width}; use one size`);
  }
  const validationCounts = checkLabels(caller, 'validation', validation.labels, validationCount, numClasses);
  if (numClasses === 2 && (validationCounts[0] === 0 || validationCounts[1] === 0)) {
    fail(`the validation set needs rows of both classes for an AUROC, got ${validationCounts[0]} of class 0 and ${validationCounts[1]} of class 1`);
  }
  if (numClasses > 2) {
    const scored = validationCounts.filter((n) => n > 0 && n < validationCount).length;
    if (scored === 0) fail(`the validation set needs rows of at least two classes, got counts [${validationCounts}]`);
    validationCounts.forEach((count, k) => {
      if (count === 0) log.warnOnce(`classifier-validation-empty-class:${k}`, `${caller}: class ${k} has no validation rows and is left out of the macro AUROC`);
    });
  }

  // 3. Options.
  validateClassifierConfig({ widths: options.widths ?? [...DEFAULT_CLASSIFIER_WIDTHS], numClasses }, caller);
  if (options.classWeights !== undefined) {
    const weights = options.classWeights;
    if (!Array.isArray(weights) || weights.length !== numClasses) {
      fail(`\`classWeights\` must have one weight per class (${numClasses}), got ${JSON.stringify(weights)}`);
    }
    if (weights.some((w) => !(w > 0 && Number.isFinite(w)))) fail(`every class weight must be a positive finite number, got ${JSON.stringify(weights)}`);
  }
  const sampler = options.sampler ?? 'uniform';
  if (!(CLASSIFIER_SAMPLERS as readonly string[]).includes(sampler)) {
    fail(`unknown sampler '${sampler}'; use one of ${CLASSIFIER_SAMPLERS.join(', ')}`);
  }
  if (options.augment) validateAugmentOptions(options.augment, caller, numClasses);
  const positiveInteger = (name: string, value: number | undefined) => {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) fail(`\`${name}\` must be an integer >= 1, got ${value}`);
  };
  positiveInteger('batchSize', options.batchSize);
  positiveInteger('maxEpochs', options.maxEpochs);
  positiveInteger('patience', options.patience);
  positiveInteger('minEpochs', options.minEpochs);
  if (options.minEpochs !== undefined && options.minEpochs > (options.maxEpochs ?? 30)) {
    fail(`\`minEpochs\` (${options.minEpochs}) must not exceed \`maxEpochs\` (${options.maxEpochs ?? 30})`);
  }
  const learningRate = options.learningRate;
  if (learningRate !== undefined && !(learningRate > 0 && Number.isFinite(learningRate))) {
    fail(`\`learningRate\` must be a positive number, got ${learningRate}`);
  }
  if (!Number.isInteger(options.seed)) fail(`\`seed\` must be an integer, got ${options.seed}`);
  if (sampler === 'oversample' && options.classWeights !== undefined) {
    log.warnOnce('classifier-oversample-and-weights', `${caller}: oversampling and class weights both rebalance the classes; the rare classes count twice over`);
  }
  return { trainCount, validationCount };
}

/**
 * Computes the validation AUROC used for early stopping, from softmax probabilities
 * [count, numClasses]. For two classes it is the AUROC of class 1's probability. For more
 * it is the mean one-vs-rest AUROC over the classes with both positive and negative rows
 * (macro average), or NaN if no class has both.
 */
export function validationAuroc(probabilities: Float64Array, labels: Int32Array, numClasses: number): number {
  const classAuroc = (k: number) => {
    const isClass = Float64Array.from(labels, (label) => (label === k ? 1 : 0));
    const scores = Float64Array.from(labels, (_, i) => probabilities[i * numClasses + k]);
    return auroc(isClass, scores).value;
  };
  if (numClasses === 2) return classAuroc(1);

  let sum = 0;
  let used = 0;
  for (let k = 0; k < numClasses; k++) {
    const value = classAuroc(k);
    if (Number.isNaN(value)) continue;
    sum += value;
    used++;
  }
  return used === 0 ? NaN : sum / used;
}

/** Returns the rows of one epoch in training order. */
function epochOrder(sampler: ClassifierSampler, labels: Int32Array, rng: Random): Int32Array {
  return sampler === 'oversample' ? oversampleIndices(labels, rng) : rng.permutation(labels.length);
}

/**
 * Trains the CNN of `cnn.ts` with Adam on weighted cross-entropy and keeps the weights
 * of the epoch with the highest validation AUROC (class 1 for two classes, macro
 * one-vs-rest otherwise), stopping after `patience` epochs without improvement once
 * `minEpochs` epochs have run.
 *
 * Per epoch: rows in the order of the sampler, pixels scaled to [−1, 1], augmentation
 * of the listed classes' rows, one Adam step per batch, then the validation AUROC.
 * Randomness (initial weights, row order, augmentation) comes from `seed` alone, so the
 * same seed on the same backend gives the same weights. Leaves no tensors behind except
 * the returned weights.
 */
export function trainClassifier(options: TrainClassifierOptions): TrainedClassifier {
  const { validationCount } = validateTrainOptions(options);
  const { train, validation, numClasses, seed, onProgress } = options;
  const config: ClassifierConfig = { widths: [...(options.widths ?? DEFAULT_CLASSIFIER_WIDTHS)], numClasses };
  const sampler = options.sampler ?? 'uniform';
  const batchSize = options.batchSize ?? 32;
  const maxEpochs = options.maxEpochs ?? 30;
  const patience = options.patience ?? 5;
  const minEpochs = options.minEpochs ?? 1;
  const classWeights = options.classWeights ?? null;
  const augment = options.augment ?? null;
  const augmentedClasses = new Set(augment?.classes ?? Array.from({ length: numClasses }, (_, k) => k));

  // Independent streams from one seed: initial weights, row order, augmentation.
  const rng = new Random(seed);
  const initRng = rng.fork();
  const orderRng = rng.fork();
  const augmentRng = rng.fork();

  const { height, width } = train;
  const rowSize = height * width;
  const variables = createParams(classifierParamSpecs(config), initRng);
  const adam = new Adam({ learningRate: options.learningRate ?? 1e-3 });
  const history: ClassifierEpoch[] = [];
  let best: Params | null = null;
  let bestEpoch = 0;
  let bestValAuroc = -Infinity;
  let stoppedEarly = false;
  let step = 0;

  try {
    for (let epoch = 1; epoch <= maxEpochs; epoch++) {
      const startTime = Date.now();
      const order = epochOrder(sampler, train.labels, orderRng);
      let lossSum = 0;

      for (let start = 0; start < order.length; start += batchSize) {
        // 1. Batch pixels in [−1, 1], augmenting rows of the listed classes.
        const rows = order.subarray(start, Math.min(start + batchSize, order.length));
        const pixels = new Float32Array(rows.length * rowSize);
        fillModelRange(train.pixels, rows, rowSize, pixels);
        const labels = Int32Array.from(rows, (row) => train.labels[row]);
        if (augment) {
          for (let i = 0; i < rows.length; i++) {
            if (!augmentedClasses.has(labels[i])) continue;
            const image = pixels.subarray(i * rowSize, (i + 1) * rowSize);
            augmentImage(image.slice(), height, width, augment, augmentRng, [-1, 1], image);
          }
        }

        // 2. Loss and gradients.
        const { value, grads } = tf.tidy(() => {
          const x = tf.tensor4d(pixels, [rows.length, height, width, 1]);
          return tf.variableGrads(() => weightedCrossEntropy(classifierForward(config, variables, x), labels, classWeights), Array.from(variables.values()));
        });
        const loss = value.dataSync()[0];
        value.dispose();
        if (!Number.isFinite(loss)) {
          tf.dispose(grads);
          throw new Error(`trainClassifier: loss became ${loss} at epoch ${epoch}, step ${step + 1}; lower \`learningRate\` (${adam.learningRate})`);
        }

        // 3. Adam update.
        adam.applyVariableGrads(variables, grads);
        lossSum += loss * rows.length;
        step++;
      }

      // 4. Validation AUROC; keep a copy of the weights when it improves.
      const probabilities = predictUnchecked(config, variables, validation, validationCount, batchSize);
      const valAuroc = validationAuroc(probabilities, validation.labels, numClasses);
      const loss = lossSum / order.length;
      history.push({ epoch, loss, valAuroc });
      if (valAuroc > bestValAuroc || best === null) {
        if (best) disposeParams(best);
        best = new Map(Array.from(variables, ([name, variable]) => [name, tf.clone(variable)]));
        bestEpoch = epoch;
        bestValAuroc = valAuroc;
      }
      onProgress?.({ epoch, maxEpochs, step, loss, valAuroc, msPerEpoch: Date.now() - startTime });
      log.debug(`classifier epoch ${epoch}/${maxEpochs}: loss ${loss.toFixed(4)}, validation AUROC ${valAuroc.toFixed(4)}`);

      // 5. Early stopping.
      if (epoch >= minEpochs && epoch - bestEpoch >= patience && epoch < maxEpochs) {
        stoppedEarly = true;
        break;
      }
    }
  } catch (err) {
    if (best) disposeParams(best);
    throw err;
  } finally {
    disposeParams(variables);
    adam.dispose();
  }

  return { config, params: best as Params, bestEpoch, bestValAuroc, history, stoppedEarly };
}
