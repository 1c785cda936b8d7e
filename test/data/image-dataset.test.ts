import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classCounts, describeDataset, ImageDataset, imagesOfClass, validateImageDataset } from '../../kernel-lib/data/image-dataset';
import { setLogSink } from '../../kernel-lib/util/log';

/** A 2×2 dataset with train labels `trainLabels` and a test split of two images. */
function tinyDataset(trainLabels: number[], name = 'tiny'): ImageDataset {
  return {
    name,
    height: 2,
    width: 2,
    classNames: ['normal', 'lesion', 'other'],
    splits: {
      train: { images: new Uint8Array(4 * trainLabels.length), labels: Int32Array.from(trainLabels), count: trainLabels.length },
      test: { images: new Uint8Array(8), labels: Int32Array.from([2, 2]), count: 2 },
    },
    source: 'unit test',
  };
}

function captureWarnings(run: () => void): string[] {
  const warnings: string[] = [];
  const previous = setLogSink((level, message) => warnings.push(`${level}: ${message}`));
  try {
    run();
  } finally {
    setLogSink(previous);
  }
  return warnings;
}

test('classCounts counts each label', () => {
  const ds = tinyDataset([0, 1, 1, 2, 1]);
  assert.equal(classCounts(ds.splits.train, 3), [1, 3, 1]);
  assert.equal(classCounts(ds.splits.test!, 3), [0, 0, 2]);
  assert.throws(() => classCounts(ds.splits.test!, 2), /classCounts: label 2 at index 0 is outside \[0, 2\)/);
});

test('describeDataset tabulates splits and classes', () => {
  const text = describeDataset(tinyDataset([0, 1, 1, 2, 1]));
  assert.is(
    text,
    [
      'tiny: 2×2 grayscale, 3 classes (unit test)',
      'split  normal  lesion  other  total',
      'train       1       3      1      5',
      'test        0       0      2      2',
    ].join('\n'),
  );
});

test('validateImageDataset accepts a consistent dataset', () => {
  const warnings = captureWarnings(() => validateImageDataset(tinyDataset([0, 1, 2])));
  assert.equal(warnings, []);
});

test('validateImageDataset warns once for a class without training images', () => {
  const warnings = captureWarnings(() => {
    validateImageDataset(tinyDataset([0, 1], 'no-other'));
    validateImageDataset(tinyDataset([0, 1], 'no-other'));
  });
  assert.is(warnings.length, 1);
  assert.match(warnings[0], "warn: validateImageDataset: class 'other' of dataset 'no-other' has no training images");
});

test('validateImageDataset rejects inconsistent datasets', () => {
  const labelsShort = tinyDataset([0, 1, 2]);
  labelsShort.splits.train.labels = Int32Array.from([0, 1]);
  assert.throws(() => validateImageDataset(labelsShort), /train has 3 images but 2 labels/);

  const imagesShort = tinyDataset([0, 1, 2]);
  imagesShort.splits.train.images = new Uint8Array(11);
  assert.throws(() => validateImageDataset(imagesShort), /train images hold 11 bytes, expected 3 × 2 × 2 = 12/);

  const badLabel = tinyDataset([0, 1, 3]);
  assert.throws(() => validateImageDataset(badLabel), /train label 3 at index 2 is outside \[0, 3\)/);

  const negative = tinyDataset([0, -1, 2]);
  assert.throws(() => validateImageDataset(negative), /train label -1 at index 1/);

  const zeroWidth = { ...tinyDataset([0, 1, 2]), width: 0 };
  assert.throws(() => validateImageDataset(zeroWidth), /`width` must be a positive integer, got 0/);

  const duplicateClass = { ...tinyDataset([0, 1, 2]), classNames: ['a', 'a', 'b'] };
  assert.throws(() => validateImageDataset(duplicateClass), /class names must be unique and non-empty, got \["a","a","b"\]/);
});

test('imagesOfClass copies the images of one class in split order, up to max', () => {
  // Three 1×2 images; image i has pixels [10i, 10i + 1].
  const split = { images: Uint8Array.from([0, 1, 10, 11, 20, 21]), labels: Int32Array.from([1, 0, 1]), count: 3 };
  assert.equal(Array.from(imagesOfClass(split, 1, 2)), [0, 1, 20, 21]);
  assert.equal(Array.from(imagesOfClass(split, 1, 2, 1)), [0, 1]);
  assert.is(imagesOfClass(split, 2, 2).length, 0);
});

test('imagesOfClass rejects an image size that does not fit the split', () => {
  const split = { images: new Uint8Array(6), labels: Int32Array.from([0, 0, 0]), count: 3 };
  assert.throws(() => imagesOfClass(split, 0, 4), /imagesOfClass: `imageSize` 4 does not divide/);
});

test.run();
