import { ImageDataset, ImageSplit, classCounts } from '../data/image-dataset';
import { loadImageDataset } from '../data/registry';
import { pickRareClasses } from '../augment/rare-classes';
import { Random } from '../util/random';
import { log } from '../util/log';
import { ExperimentConfig } from './config';

/** The experiment's view of a dataset: selected classes, the reduced training split and the full one. */
export interface ExperimentData {
  /** Dataset with `rareTrainCount` applied to the training split; validation and test are untouched. */
  dataset: ImageDataset;
  /** Training split before `rareTrainCount`, for the all-real reference arm. */
  fullTrain: ImageSplit;
  positiveClass: number;
  rareClasses: number[];
  /** Real class counts per split of `dataset` (train after reduction), and `fullTrain`. */
  classCounts: Record<string, number[]>;
}

/** Selects the rows of `split` whose index is in `rows`, relabelling with `labelMap`. */
function selectRows(split: ImageSplit, rows: number[], size: number, labelMap: Map<number, number>): ImageSplit {
  const images = new Uint8Array(rows.length * size);
  const labels = new Int32Array(rows.length);
  rows.forEach((row, i) => {
    images.set(split.images.subarray(row * size, (row + 1) * size), i * size);
    labels[i] = labelMap.get(split.labels[row]) as number;
  });
  return { images, labels, count: rows.length };
}

/**
 * Loads the configured dataset, keeps the configured classes (in config order), and keeps
 * only `rareTrainCount` training images of each rare class, chosen with a generator seeded
 * by the experiment seed. Throws, naming the value, for unknown classes, a missing
 * validation or test split, or a rare class without training images.
 */
export function prepareExperimentData(config: ExperimentConfig): ExperimentData {
  const source = loadImageDataset(config.dataset.source, { seed: config.seed, path: config.dataset.path });
  for (const split of ['val', 'test'] as const) {
    if (!source.splits[split] || source.splits[split]?.count === 0) {
      throw new Error(
        `dataset ${source.source} has no ${split} split; the experiment needs real validation and test images ` +
          '(MedMNIST files have val_* and test_* arrays; PNG folders need val/ and test/ sub-folders)',
      );
    }
  }

  const selectedClasses = config.dataset.classes ?? source.classNames;
  const labelMap = new Map<number, number>();
  selectedClasses.forEach((name, newIndex) => {
    const oldIndex = source.classNames.indexOf(name);
    if (oldIndex < 0) {
      throw new Error(`dataset.classes: unknown class '${name}'; ${source.name} has ${source.classNames.map((c) => `'${c}'`).join(', ')}`);
    }
    labelMap.set(oldIndex, newIndex);
  });
  const size = source.height * source.width;
  const keep = (split: ImageSplit) =>
    selectRows(
      split,
      Array.from(split.labels).flatMap((label, row) => (labelMap.has(label) ? [row] : [])),
      size,
      labelMap,
    );
  const train = keep(source.splits.train);
  const val = keep(source.splits.val as ImageSplit);
  const test = keep(source.splits.test as ImageSplit);

  const positiveClass = selectedClasses.indexOf(config.dataset.positiveClass);
  if (positiveClass < 0) {
    throw new Error(`dataset.positiveClass: unknown class '${config.dataset.positiveClass}'; choose one of ${selectedClasses.map((c) => `'${c}'`).join(', ')}`);
  }
  const fullCounts = classCounts(train, selectedClasses.length);
  const rareClasses = pickRareClasses(selectedClasses, fullCounts, { rareClasses: config.dataset.rareClasses ?? [config.dataset.positiveClass] });

  // Keep rareTrainCount seeded rows of each rare class; every other row stays.
  // Thresholds come from validation and metrics from test: both need the positive class and another.
  for (const [name, split] of [['val', val], ['test', test]] as const) {
    const counts = classCounts(split, selectedClasses.length);
    const others = counts.reduce((a, b) => a + b, 0) - counts[positiveClass];
    if (counts[positiveClass] === 0 || others === 0) {
      throw new Error(
        `the ${name} split has ${counts[positiveClass]} images of the positive class '${config.dataset.positiveClass}' and ${others} of other classes; ` +
          'evaluation needs both, so add images to that split or choose another positiveClass',
      );
    }
  }

  let reducedTrain = train;
  if (config.dataset.rareTrainCount !== null) {
    for (const k of rareClasses) {
      if (fullCounts[k] <= config.dataset.rareTrainCount) {
        log.warn(
          `dataset.rareTrainCount ${config.dataset.rareTrainCount} keeps all ${fullCounts[k]} training images of '${selectedClasses[k]}'; ` +
            'lower it to make the class rarer',
        );
      }
    }
    const rng = new Random(config.seed);
    const order = Array.from(rng.permutation(train.count));
    const keptPerClass = new Map<number, number>();
    const rows = order
      .filter((row) => {
        const label = train.labels[row];
        if (!rareClasses.includes(label)) return true;
        const n = keptPerClass.get(label) ?? 0;
        if (n >= (config.dataset.rareTrainCount as number)) return false;
        keptPerClass.set(label, n + 1);
        return true;
      })
      .sort((a, b) => a - b);
    const identity = new Map(selectedClasses.map((_, i) => [i, i]));
    reducedTrain = selectRows(train, rows, size, identity);
  }

  const dataset: ImageDataset = {
    ...source,
    classNames: [...selectedClasses],
    splits: { train: reducedTrain, val, test },
  };
  return {
    dataset,
    fullTrain: train,
    positiveClass,
    rareClasses,
    classCounts: {
      train: classCounts(reducedTrain, selectedClasses.length),
      val: classCounts(val, selectedClasses.length),
      test: classCounts(test, selectedClasses.length),
      fullTrain: fullCounts,
    },
  };
}
