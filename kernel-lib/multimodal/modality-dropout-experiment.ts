/**
 * The modality-dropout comparison: for each training seed, a fusion model trained with modality
 * dropout, one trained without, and one single-modality model per modality, all through
 * trainFusionModel, each scored on the test set with every non-empty subset of modalities.
 */
import { bootstrapIndices, DEFAULT_RESAMPLES } from '../eval/bootstrap';
import { disposeParams } from '../nets/params';
import { Random } from '../util/random';
import { ModalityDropoutRow, SeedSubsetResult, evaluateModalitySubsets, modalitySubsets, summariseOverSeeds } from './evaluate-subsets';
import { MissingEmbeddingKind } from './fusion-model';
import { MODALITIES, Modality, MultimodalDataset } from './modalities';
import { DropoutRates } from './modality-dropout';
import { FusionTrainProgress, trainFusionModel } from './train-fusion';

/** One model of the comparison. */
export interface FusionArm {
  name: string;
  modalities: readonly Modality[];
  dropout: DropoutRates;
}

/** Lists the arms of the comparison: fusion with `dropout`, fusion without, and one per modality alone. */
export function defaultFusionArms(dropout: DropoutRates): FusionArm[] {
  return [
    { name: 'fusion-dropout', modalities: MODALITIES, dropout },
    { name: 'fusion-no-dropout', modalities: MODALITIES, dropout: 0 },
    ...MODALITIES.map((m) => ({ name: `${m}-only`, modalities: [m], dropout: 0 })),
  ];
}

export interface ModalityDropoutExperimentOptions {
  train: MultimodalDataset;
  validation: MultimodalDataset;
  test: MultimodalDataset;
  /** Training seeds; each trains every arm once (initial weights, batch order, dropout draws). */
  seeds: readonly number[];
  /** Drop probability of the dropout arm, per modality or for all (default 0.3). */
  dropout?: DropoutRates;
  /** Default defaultFusionArms(dropout). */
  arms?: readonly FusionArm[];
  maxEpochs?: number;
  patience?: number | null;
  batchSize?: number;
  learningRate?: number;
  embeddingDim?: number;
  hiddenDim?: number;
  missingEmbedding?: MissingEmbeddingKind;
  /** Bootstrap resamples per interval (default 1000). */
  resamples?: number;
  onProgress?: (progress: ModalityDropoutProgress) => void;
}

/** Progress after each training epoch of any arm. */
export interface ModalityDropoutProgress extends FusionTrainProgress {
  arm: string;
  seed: number;
  /** Arms finished so far, over every seed. */
  armsDone: number;
  armsTotal: number;
}

/** Training record of one arm and seed. */
export interface FusionArmRecord {
  arm: string;
  seed: number;
  bestEpoch: number;
  epochsRun: number;
  bestValidationAuroc: number;
  seconds: number;
}

export interface ModalityDropoutResult {
  rows: ModalityDropoutRow[];
  training: FusionArmRecord[];
  seeds: number[];
  /** Examples per split. */
  counts: { train: number; validation: number; test: number };
}

/**
 * Runs every arm for every seed and returns the table rows (evaluate-subsets) and the training
 * records. The bootstrap index sets of a seed come from new Random(seed) and are shared by the arms
 * of that seed, so their intervals are paired. Leaves no tensors behind.
 */
export function runModalityDropoutExperiment(options: ModalityDropoutExperimentOptions): ModalityDropoutResult {
  const { train, validation, test, seeds } = options;
  if (!Array.isArray(seeds) || seeds.length === 0 || seeds.some((s) => !Number.isInteger(s))) {
    throw new Error(`runModalityDropoutExperiment: \`seeds\` must be a non-empty list of integers, got ${JSON.stringify(seeds)}`);
  }
  const arms = options.arms ?? defaultFusionArms(options.dropout ?? 0.3);
  const subsets = modalitySubsets();
  const results: SeedSubsetResult[] = [];
  const training: FusionArmRecord[] = [];
  const armsTotal = arms.length * seeds.length;
  let armsDone = 0;

  for (const seed of seeds) {
    const indices = bootstrapIndices(test.count, options.resamples ?? DEFAULT_RESAMPLES, new Random(seed));
    for (const arm of arms) {
      const started = Date.now();
      const model = trainFusionModel({
        train,
        validation,
        modalities: arm.modalities,
        dropout: arm.dropout,
        seed,
        maxEpochs: options.maxEpochs,
        patience: options.patience,
        batchSize: options.batchSize,
        learningRate: options.learningRate,
        embeddingDim: options.embeddingDim,
        hiddenDim: options.hiddenDim,
        missingEmbedding: options.missingEmbedding,
        onProgress: (p) => options.onProgress?.({ ...p, arm: arm.name, seed, armsDone, armsTotal }),
      });
      try {
        results.push({ model: arm.name, seed, subsets: evaluateModalitySubsets(model, test, indices, subsets) });
      } finally {
        disposeParams(model.params);
      }
      training.push({
        arm: arm.name,
        seed,
        bestEpoch: model.bestEpoch,
        epochsRun: model.history.length,
        bestValidationAuroc: model.bestValidationAuroc,
        seconds: (Date.now() - started) / 1000,
      });
      armsDone++;
    }
  }
  return { rows: summariseOverSeeds(results), training, seeds: [...seeds], counts: { train: train.count, validation: validation.count, test: test.count } };
}
