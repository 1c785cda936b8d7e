import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseExperimentConfig } from '../../kernel-lib/experiment/config';
import { ExperimentData, prepareExperimentData } from '../../kernel-lib/experiment/prepare-data';
import { ImageDataset, ImageSplit } from '../../kernel-lib/data/image-dataset';
import { loadImageDataset } from '../../kernel-lib/data/registry';
import { saveNpz } from '../../kernel-lib/data/npz-writer';
import { setLogSink } from '../../kernel-lib/util/log';
import { makeTempDir } from './tiny-experiment';

const CLASSES = ['no finding', 'effusion'];
const RARE_TRAIN_COUNT = 5;

function prepare(overrides: { seed?: number; dataset?: Record<string, unknown> } = {}): ExperimentData {
  const config = parseExperimentConfig(
    {
      name: 'prepare-data',
      seed: overrides.seed ?? 0,
      dataset: { source: 'chest-phantom', classes: CLASSES, positiveClass: 'effusion', rareTrainCount: RARE_TRAIN_COUNT, ...overrides.dataset },
    },
    'prepare-data test',
  );
  return prepareExperimentData(config);
}

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    return (err as Error).message;
  }
  assert.unreachable('expected an error');
  return '';
}

/** Concatenates the images of `split` with label `label`, in row order, into one byte array. */
function imagesOfClass(split: ImageSplit, label: number, size: number): Buffer {
  const rows = Array.from(split.labels).flatMap((y, row) => (y === label ? [row] : []));
  return Buffer.concat(rows.map((row) => Buffer.from(split.images.subarray(row * size, (row + 1) * size))));
}

/** Row of `split` holding each image of `images`, found by its bytes; -1 where none matches. */
function sourceRows(split: ImageSplit, images: Uint8Array, count: number, size: number): number[] {
  const rowByBytes = new Map<string, number>();
  for (let row = 0; row < split.count; row++) rowByBytes.set(Buffer.from(split.images.subarray(row * size, (row + 1) * size)).toString('base64'), row);
  return Array.from({ length: count }, (_, i) => rowByBytes.get(Buffer.from(images.subarray(i * size, (i + 1) * size)).toString('base64')) ?? -1);
}

/** Training rows of the source dataset that prepareExperimentData kept for class `label`. */
function keptSourceRows(data: ExperimentData, source: ImageDataset, label: number): number[] {
  const size = source.height * source.width;
  const keptImages = imagesOfClass(data.dataset.splits.train, label, size);
  return sourceRows(source.splits.train, keptImages, keptImages.length / size, size);
}

// The source dataset of seed 0, loaded directly, is the reference. Its labels 0 'no finding'
// and 1 'effusion' are the indices that the two configured classes get.
let source: ImageDataset;
let size: number;
let data: ExperimentData;

test.before(() => {
  source = loadImageDataset('chest-phantom', { seed: 0 });
  size = source.height * source.width;
  data = prepare();
});

test('exactly rareTrainCount effusion rows remain', () => {
  const train = data.dataset.splits.train;
  const effusion = Array.from(train.labels).filter((y) => y === 1).length;
  assert.is(effusion, RARE_TRAIN_COUNT);
  assert.equal(data.classCounts.train, [source.splits.train.labels.filter((y) => y === 0).length, RARE_TRAIN_COUNT]);
});

test('kept effusion rows are distinct source rows', () => {
  const rows = keptSourceRows(data, source, 1);
  assert.is(rows.length, RARE_TRAIN_COUNT);
  for (const row of rows) {
    assert.ok(row >= 0, 'expected every kept image to be a training image of the source');
    assert.is(source.splits.train.labels[row], 1);
  }
  assert.is(new Set(rows).size, RARE_TRAIN_COUNT);
});

test('no-finding training rows are untouched', () => {
  const expected = imagesOfClass(source.splits.train, 0, size);
  const actual = imagesOfClass(data.dataset.splits.train, 0, size);
  assert.ok(expected.length > 0);
  assert.ok(actual.equals(expected), 'expected the same no-finding training images, in the same order');
});

test('val and test splits are untouched', () => {
  for (const name of ['val', 'test'] as const) {
    const original = source.splits[name] as ImageSplit;
    const prepared = data.dataset.splits[name] as ImageSplit;
    for (const label of [0, 1]) {
      const expected = imagesOfClass(original, label, size);
      const actual = imagesOfClass(prepared, label, size);
      assert.ok(expected.length > 0);
      assert.ok(actual.equals(expected), `expected the ${name} images of class ${label} unchanged`);
    }
    const keptCount = original.labels.filter((y) => y <= 1).length;
    assert.is(prepared.count, keptCount, `expected only the ${name} rows of the two classes`);
  }
});

test('other classes are dropped', () => {
  assert.equal(data.dataset.classNames, CLASSES);
  for (const split of [data.dataset.splits.train, data.dataset.splits.val, data.dataset.splits.test] as ImageSplit[]) {
    assert.ok(split.labels.every((y) => y === 0 || y === 1));
  }
});

test('full training split keeps every effusion row', () => {
  assert.is(data.fullTrain.labels.filter((y) => y === 1).length, source.splits.train.labels.filter((y) => y === 1).length);
  assert.is(data.classCounts.fullTrain[1], source.splits.train.labels.filter((y) => y === 1).length);
});

test('positive and rare class are effusion', () => {
  assert.is(data.positiveClass, 1);
  assert.equal(data.rareClasses, [1]);
});

test('same seed keeps same rows', () => {
  const again = prepare();
  assert.equal(keptSourceRows(again, source, 1), keptSourceRows(data, source, 1));
  assert.ok(Buffer.from(again.dataset.splits.train.images).equals(Buffer.from(data.dataset.splits.train.images)));
});

test('different seed keeps different rows', () => {
  // The experiment seed also seeds the phantom generator, so rows are compared by their
  // position among the effusion training images of each seed's own source.
  const otherSource = loadImageDataset('chest-phantom', { seed: 1 });
  const other = prepare({ seed: 1 });
  const rank = (rows: number[], dataset: ImageDataset) => {
    const effusionRows = Array.from(dataset.splits.train.labels).flatMap((y, row) => (y === 1 ? [row] : []));
    return rows.map((row) => effusionRows.indexOf(row)).sort((a, b) => a - b);
  };
  const ranks0 = rank(keptSourceRows(data, source, 1), source);
  const ranks1 = rank(keptSourceRows(other, otherSource, 1), otherSource);
  assert.ok(ranks1.every((r) => r >= 0), 'expected every kept image of seed 1 to come from its source');
  assert.not.equal(ranks1, ranks0);
});

test('unknown class is rejected by name', () => {
  const message = errorOf(() => prepare({ dataset: { classes: ['no finding', 'pneumothorax'] } }));
  assert.match(message, 'dataset.classes');
  assert.match(message, "'pneumothorax'");
  assert.match(message, "'effusion'");
});

test('unknown positive class is rejected by name', () => {
  const message = errorOf(() => prepare({ dataset: { positiveClass: 'cardiomegaly' } }));
  assert.match(message, 'dataset.positiveClass');
  assert.match(message, "'cardiomegaly'");
  assert.match(message, "'no finding', 'effusion'");
});

test('unknown rare class is rejected by name', () => {
  const message = errorOf(() => prepare({ dataset: { rareClasses: ['nodule'] } }));
  assert.match(message, "'nodule'");
  assert.match(message, "'no finding', 'effusion'");
});

test('rare class without training images is rejected', () => {
  // A MedMNIST-style file whose class 1 appears in val and test but not in train.
  const side = 4;
  const split = (labels: number[]) => ({
    images: { data: new Uint8Array(labels.length * side * side).map((_, i) => (i * 37) % 256), shape: [labels.length, side, side] },
    labels: { data: Int32Array.from(labels), shape: [labels.length, 1] },
  });
  const train = split([0, 0, 0, 2, 2, 2]);
  const val = split([0, 1, 2]);
  const test = split([0, 1, 2]);
  const file = path.join(makeTempDir('medsynth-prepare-'), 'no-rare-train.npz');
  saveNpz(file, {
    train_images: train.images,
    train_labels: train.labels,
    val_images: val.images,
    val_labels: val.labels,
    test_images: test.images,
    test_labels: test.labels,
  });
  const config = parseExperimentConfig({ name: 'empty-rare', dataset: { source: file, positiveClass: '1' } }, 'prepare-data test');
  // Loading warns that class 1 has no training images; the warning is kept out of the test output.
  const previousSink = setLogSink(() => undefined);
  let message: string;
  try {
    message = errorOf(() => prepareExperimentData(config));
  } finally {
    setLogSink(previousSink);
  }
  assert.match(message, "'1'");
  assert.match(message, 'no training images');
});

test.run();
