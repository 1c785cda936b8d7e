/**
 * Training of a fusion classifier with modality dropout: Adam on binary cross-entropy,
 * seeded batches, and the weights of the epoch with the best validation AUROC.
 */
import * as tf from '@tensorflow/tfjs';
import { auroc } from '../eval/roc';
import { Params, createParams, disposeParams } from '../nets/params';
import { Adam } from '../train/adam';
import { log } from '../util/log';
import { Random } from '../util/random';
import { checkDatasetModalities, gatherFusionInputs, predictFusion } from './fusion-batches';
import { FusionConfig, FusionMode, MissingEmbeddingKind, fusionForward, fusionParamSpecs } from './fusion-model';
import { MODALITIES, Modality, ModalityArrays, MultimodalDataset, checkModality } from './modalities';
import { DropoutRates, drawModalityKeep, resolveDropoutRates } from './modality-dropout';

export interface TrainFusionOptions {
  train: MultimodalDataset;
  /** Scored after every epoch with all of its present modalities; picks the kept weights. */
  validation: MultimodalDataset;
  /** Modalities of the model (default MODALITIES); one gives a single-modality model. */
  modalities?: readonly Modality[];
  /** Drop probability per modality during training, in [0, 1) (default 0, no dropout). */
  dropout?: DropoutRates;
  missingEmbedding?: MissingEmbeddingKind;
  fusion?: FusionMode;
  embeddingDim?: number;
  hiddenDim?: number;
  maxEpochs?: number;
  /** Stop when the validation AUROC has not improved for this many epochs (null: never stop early). */
  patience?: number | null;
  batchSize?: number;
  learningRate?: number;
  /** Seed of the initial weights, the batch order and the dropout draws. */
  seed: number;
  onProgress?: (progress: FusionTrainProgress) => void;
}

/** Progress after each epoch. */
export interface FusionTrainProgress {
  epoch: number;
  maxEpochs: number;
  /** Adam steps so far. */
  step: number;
  /** Mean training loss of the epoch (binary cross-entropy, nats). */
  loss: number;
  validationAuroc: number;
  msPerEpoch: number;
}

export interface FusionEpoch {
  epoch: number;
  loss: number;
  validationAuroc: number;
}

export interface TrainedFusionModel {
  config: FusionConfig;
  /** Weights of the best epoch, plain tensors owned by the caller (disposeParams). */
  params: Params;
  bestEpoch: number;
  bestValidationAuroc: number;
  history: FusionEpoch[];
  stoppedEarly: boolean;
  /** Drop probability of each model modality used in training. */
  dropout: Partial<Record<Modality, number>>;
}

/**
 * Trains a fusion classifier. Each epoch visits the rows in a seeded random order. Each batch
 * draws keep flags with drawModalityKeep from the presence masks and the dropout rates, then
 * takes one Adam step on the mean binary cross-entropy. After each epoch the validation AUROC
 * is computed with every present modality.
 * Same seed on the same backend, same weights. Leaves no tensors behind except the returned weights.
 *
 * Throws `trainFusionModel: …` for invalid options and for a model modality that no training
 * example has, because its encoder would then never be trained.
 */
export function trainFusionModel(options: TrainFusionOptions): TrainedFusionModel {
  const { train, validation, seed, onProgress } = options;
  const modalities = MODALITIES.filter((m) => (options.modalities ?? MODALITIES).includes(m));
  validateTrainFusionOptions(options, modalities);
  const rates = resolveDropoutRates(options.dropout ?? 0, modalities);
  const config: FusionConfig = {
    modalities,
    exampleShapes: Object.fromEntries(modalities.map((m) => [m, [...(train.modalities[m] as ModalityArrays).exampleShape]])),
    embeddingDim: options.embeddingDim ?? 16,
    hiddenDim: options.hiddenDim ?? 32,
    fusion: options.fusion ?? 'concat',
    missingEmbedding: options.missingEmbedding ?? 'learned',
  };
  const batchSize = options.batchSize ?? 64;
  const maxEpochs = options.maxEpochs ?? 20;
  const patience = options.patience === undefined ? 5 : options.patience;

  // Independent streams from one seed: initial weights, row order, dropout draws.
  const rng = new Random(seed);
  const initRng = rng.fork();
  const orderRng = rng.fork();
  const dropoutRng = rng.fork();

  const presence = Object.fromEntries(modalities.map((m) => [m, (train.modalities[m] as ModalityArrays).presence]));
  const variables = createParams(fusionParamSpecs(config), initRng);
  const adam = new Adam({ learningRate: options.learningRate ?? 1e-3 });
  const history: FusionEpoch[] = [];
  let best: Params | null = null;
  let bestEpoch = 0;
  let bestValidationAuroc = -Infinity;
  let stoppedEarly = false;
  let step = 0;

  try {
    for (let epoch = 1; epoch <= maxEpochs; epoch++) {
      const startTime = Date.now();
      const order = orderRng.permutation(train.count);
      let lossSum = 0;

      for (let start = 0; start < order.length; start += batchSize) {
        // 1. Batch rows and their keep flags after modality dropout.
        const rows = order.subarray(start, Math.min(start + batchSize, order.length));
        const keep = drawModalityKeep(presence, modalities, rates, rows, dropoutRng);
        const labels = Float32Array.from(rows, (row) => train.labels[row]);

        // 2. Loss and gradients.
        const { value, grads } = tf.tidy(() => {
          const inputs = gatherFusionInputs(train, modalities, rows, keep);
          const targets = tf.tensor1d(labels);
          return tf.variableGrads(() => tf.losses.sigmoidCrossEntropy(targets, fusionForward(config, variables, inputs)) as tf.Scalar, Array.from(variables.values()));
        });
        const loss = value.dataSync()[0];
        value.dispose();
        if (!Number.isFinite(loss)) {
          tf.dispose(grads);
          throw new Error(`trainFusionModel: loss became ${loss} at epoch ${epoch}, step ${step + 1}; lower \`learningRate\` (${adam.learningRate})`);
        }

        // 3. Adam update.
        adam.applyVariableGrads(variables, grads);
        lossSum += loss * rows.length;
        step++;
      }

      // 4. Validation AUROC with every present modality; keep a copy of the best weights.
      const probabilities = predictFusion(config, variables, validation);
      const validationAuroc = auroc(validation.labels, probabilities).value;
      const loss = lossSum / order.length;
      history.push({ epoch, loss, validationAuroc });
      if (validationAuroc > bestValidationAuroc || best === null) {
        if (best) disposeParams(best);
        best = new Map(Array.from(variables, ([name, variable]) => [name, tf.clone(variable)]));
        bestEpoch = epoch;
        bestValidationAuroc = validationAuroc;
      }
      onProgress?.({ epoch, maxEpochs, step, loss, validationAuroc, msPerEpoch: Date.now() - startTime });
      log.debug(`fusion [${modalities.join('+')}] epoch ${epoch}/${maxEpochs}: loss ${loss.toFixed(4)}, validation AUROC ${validationAuroc.toFixed(4)}`);

      // 5. Early stopping.
      if (patience !== null && epoch - bestEpoch >= patience && epoch < maxEpochs) {
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

  return { config, params: best as Params, bestEpoch, bestValidationAuroc, history, stoppedEarly, dropout: rates };
}

function validateTrainFusionOptions(options: TrainFusionOptions, modalities: readonly Modality[]): void {
  const name = 'trainFusionModel';
  for (const modality of options.modalities ?? []) checkModality(name, modality);
  if (modalities.length === 0) throw new Error(`${name}: \`modalities\` must list at least one of ${MODALITIES.join(', ')}`);
  if (!Number.isInteger(options.seed)) throw new Error(`${name}: \`seed\` must be an integer, got ${options.seed}`);
  checkDatasetModalities(`${name} (train)`, options.train, modalities);
  checkDatasetModalities(`${name} (validation)`, options.validation, modalities);
  if (options.train.count < 1) throw new Error(`${name}: the training set is empty; give it at least one example`);
  for (const modality of modalities) {
    const presence = (options.train.modalities[modality] as ModalityArrays).presence;
    if (!presence.some((flag) => flag === 1)) {
      throw new Error(
        `${name}: modality '${modality}' is missing from every training example, so its encoder cannot be trained; supply '${modality}' data or leave it out of \`modalities\``,
      );
    }
  }
  for (const key of ['maxEpochs', 'batchSize'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new Error(`${name}: \`${key}\` must be an integer >= 1, got ${value}`);
  }
  if (options.patience !== undefined && options.patience !== null && (!Number.isInteger(options.patience) || options.patience < 1)) {
    throw new Error(`${name}: \`patience\` must be an integer >= 1 or null, got ${options.patience}`);
  }
  const labels = options.validation.labels;
  const positives = labels.reduce((sum, y) => sum + (y === 1 ? 1 : 0), 0);
  if (positives === 0 || positives === labels.length) {
    throw new Error(`${name}: the validation set has only one class (${positives} of ${labels.length} positive), so its AUROC is undefined; use a larger validation set`);
  }
}
