import * as fs from 'fs';
import { trainClassifier, TrainClassifierOptions } from '../../classify/train';
import { predictProbabilities } from '../../classify/predict';
import { inverseFrequencyWeights } from '../../classify/augment';
import { disposeParams } from '../../nets/params';
import { loadNpz } from '../../data/npz';
import { ImageSplit } from '../../data/image-dataset';
import { Arm } from '../config';
import { StageContext } from '../context';
import { syntheticFile } from './generation';

/** Predictions of one (arm, seed) classifier, as stored in `classifiers/<arm>/seed<seed>.json`. */
export interface ClassifierRecord {
  arm: Arm;
  seed: number;
  bestEpoch: number;
  bestValAuroc: number;
  history: { epoch: number; loss: number; valAuroc: number }[];
  /** Training rows per class. */
  trainCounts: number[];
  /** Class probabilities, row-major [count, numClasses], on the real validation and test splits. */
  validation: number[];
  test: number[];
}

/** Written instead of a ClassifierRecord when an (arm, seed) could not be trained. */
export interface SkippedClassifier {
  arm: Arm;
  seed: number;
  skipped: string;
}

export function classifierRecordFile(arm: string, seed: number): string {
  return `classifiers/${arm.replace('+', '-plus-')}/seed${seed}.json`;
}

/** Arms that need synthetic images, and the one that needs the full real training split. */
export function armIsAvailable(arm: Arm, rareTrainCount: number | null): boolean {
  return arm !== 'all-real' || rareTrainCount !== null;
}

function concatRows(parts: { images: Uint8Array; labels: Int32Array }[]): { images: Uint8Array; labels: Int32Array } {
  const images = new Uint8Array(parts.reduce((n, p) => n + p.images.length, 0));
  const labels = new Int32Array(parts.reduce((n, p) => n + p.labels.length, 0));
  let imageOffset = 0;
  let labelOffset = 0;
  for (const part of parts) {
    images.set(part.images, imageOffset);
    labels.set(part.labels, labelOffset);
    imageOffset += part.images.length;
    labelOffset += part.labels.length;
  }
  return { images, labels };
}

/** Keeps the rows of `split` whose label is not in `excluded`. */
function withoutClasses(split: { images: Uint8Array; labels: Int32Array }, excluded: number[], size: number) {
  const rows = Array.from(split.labels).flatMap((label, row) => (excluded.includes(label) ? [] : [row]));
  const images = new Uint8Array(rows.length * size);
  rows.forEach((row, i) => images.set(split.images.subarray(row * size, (row + 1) * size), i * size));
  return { images, labels: Int32Array.from(rows, (row) => split.labels[row]) };
}

function loadSynthetic(ctx: StageContext, seed: number): { images: Uint8Array; labels: Int32Array } {
  const arrays = loadNpz(ctx.run.path(syntheticFile(seed)));
  return { images: arrays.get('images')?.data as Uint8Array, labels: Int32Array.from(arrays.get('labels')?.data as ArrayLike<number>) };
}

/**
 * Trains one classifier per (arm, seed) with the same recipe and predicts the real validation
 * and test splits. Finished (arm, seed) pairs are skipped, so a resumed run continues.
 */
export function runClassifiersStage(ctx: StageContext): void {
  const { dataset, rareClasses, fullTrain } = ctx.data;
  const { classifier, augmentation } = ctx.config;
  const numClasses = dataset.classNames.length;
  const size = dataset.height * dataset.width;
  const real = dataset.splits.train;
  const val = dataset.splits.val as ImageSplit;
  const test = dataset.splits.test as ImageSplit;
  const arms = ctx.config.arms.filter((arm) => armIsAvailable(arm, ctx.config.dataset.rareTrainCount));
  const skipped = ctx.config.arms.filter((arm) => !arms.includes(arm));
  if (skipped.length > 0) ctx.say(`classifiers: skipping ${skipped.join(', ')} (all-real needs dataset.rareTrainCount, else it equals real-only)`);

  const jobs = arms.flatMap((arm) => ctx.config.seeds.map((seed) => ({ arm, seed })));
  const bar = ctx.progress('classifiers', jobs.length, 'models');
  try {
    jobs.forEach(({ arm, seed }, done) => {
      const file = classifierRecordFile(arm, seed);
      if (fs.existsSync(ctx.run.path(file))) {
        bar.update(done + 1, `${arm} seed ${seed} (done before)`);
        return;
      }
      let rows: { images: Uint8Array; labels: Int32Array } = real;
      const recipe: Partial<TrainClassifierOptions> = {};
      switch (arm) {
        case 'class-weighted':
          recipe.classWeights = inverseFrequencyWeights(real.labels, numClasses);
          break;
        case 'oversampling':
          recipe.sampler = 'oversample';
          break;
        case 'augmentation':
          recipe.sampler = 'oversample';
          recipe.augment = { ...augmentation, classes: rareClasses };
          break;
        case 'real+synthetic':
          rows = concatRows([real, loadSynthetic(ctx, seed)]);
          break;
        case 'synthetic-only':
          rows = concatRows([withoutClasses(real, rareClasses, size), loadSynthetic(ctx, seed)]);
          break;
        case 'all-real':
          rows = fullTrain;
          break;
        case 'real-only':
          break;
      }
      const trainCounts = Array.from({ length: numClasses }, (_, k) => rows.labels.filter((y) => y === k).length);
      const emptyClass = trainCounts.findIndex((n) => n === 0);
      if (emptyClass >= 0) {
        // Only the synthetic-only arm can lose a class: when no synthetic image passed the filter.
        const reason = `no training images of class '${dataset.classNames[emptyClass]}' (no synthetic image of it passed the filter for seed ${seed})`;
        ctx.say(`classifiers: ${arm} seed ${seed} not trained: ${reason}`);
        ctx.run.writeJson({ arm, seed, skipped: reason }, file);
        bar.update(done + 1, `${arm} seed ${seed} skipped`);
        return;
      }
      const trained = trainClassifier({
        train: { pixels: rows.images, labels: rows.labels, height: dataset.height, width: dataset.width },
        validation: { pixels: val.images, labels: val.labels, height: dataset.height, width: dataset.width },
        numClasses,
        widths: classifier.widths,
        batchSize: classifier.batchSize,
        maxEpochs: classifier.maxEpochs,
        learningRate: classifier.learningRate,
        patience: classifier.patience,
        minEpochs: classifier.minEpochs,
        seed,
        ...recipe,
        onProgress: (p) => bar.update(done, `${arm} seed ${seed}: epoch ${p.epoch}, val AUROC ${p.valAuroc.toFixed(3)}`),
      });
      const predict = (split: ImageSplit) =>
        Array.from(predictProbabilities(trained.config, trained.params, { pixels: split.images, height: dataset.height, width: dataset.width }));
      const record: ClassifierRecord = {
        arm,
        seed,
        bestEpoch: trained.bestEpoch,
        bestValAuroc: trained.bestValAuroc,
        history: trained.history.map((h) => ({ epoch: h.epoch, loss: h.loss, valAuroc: h.valAuroc })),
        trainCounts,
        validation: predict(val),
        test: predict(test),
      };
      disposeParams(trained.params);
      ctx.run.writeJson(record, file);
      bar.update(done + 1, `${arm} seed ${seed}: val AUROC ${trained.bestValAuroc.toFixed(3)}`);
    });
  } finally {
    bar.stop();
  }
}
