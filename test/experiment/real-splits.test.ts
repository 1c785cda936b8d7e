import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ImageSplit } from '../../kernel-lib/data/image-dataset';
import { loadNpz } from '../../kernel-lib/data/npz';
import { ExperimentData } from '../../kernel-lib/experiment/prepare-data';
import { RealSplitFile, writeRealImageSplits } from '../../kernel-lib/experiment/stages/real-splits';
import { makeTempDir } from './tiny-experiment';

/** Builds a split of 2×2 images, image i filled with values[i]. */
function split(values: number[], labels: number[]): ImageSplit {
  const images = new Uint8Array(values.length * 4);
  values.forEach((value, i) => images.fill(value, i * 4, (i + 1) * 4));
  return { images, labels: Int32Array.from(labels), count: values.length };
}

// Class 1 is rare: the run kept images 10 and 11 of it. Left out are 12, 13 and a second copy
// of 11 (a duplicate in the source data), which must not count as a non-member.
const fullTrain = split([1, 2, 3, 10, 11, 12, 13, 11], [0, 0, 0, 1, 1, 1, 1, 1]);
const train = split([1, 2, 3, 10, 11], [0, 0, 0, 1, 1]);
const data: ExperimentData = {
  dataset: { name: 'tiny', height: 2, width: 2, classNames: ['normal', 'rare case'], splits: { train }, source: 'generated' },
  fullTrain,
  positiveClass: 1,
  rareClasses: [1],
  classCounts: {},
};

let dir: string;
let files: RealSplitFile[];

test.before(() => {
  dir = makeTempDir('medsynth-real-splits-');
  files = writeRealImageSplits(data, (fileName) => path.join(dir, fileName));
});

function firstPixels(fileName: string): number[] {
  const images = loadNpz(path.join(dir, fileName)).get('images');
  assert.ok(images, `expected an images array in ${fileName}`);
  return Array.from({ length: images!.shape[0] }, (_, i) => images!.data[i * 4]);
}

test('files per class and role', () => {
  assert.equal(
    files.map((file) => [file.role, file.file, file.count]),
    [
      ['train', 'real/real_train_normal.npz', 3],
      ['train', 'real/real_train_rare-case.npz', 2],
      ['holdout', 'real/real_holdout_rare-case.npz', 2],
    ],
  );
  assert.equal(fs.readdirSync(dir).sort(), ['real_holdout_rare-case.npz', 'real_train_normal.npz', 'real_train_rare-case.npz']);
});

test('train file holds the kept images', () => {
  assert.equal(firstPixels('real_train_rare-case.npz'), [10, 11]);
});

test('holdout drops copies of training images', () => {
  assert.equal(firstPixels('real_holdout_rare-case.npz'), [12, 13]);
  const holdout = files.find((file) => file.role === 'holdout');
  assert.is(holdout?.duplicatesDropped, 1);
});

test('real files are flagged not synthetic', () => {
  for (const name of fs.readdirSync(dir)) {
    const arrays = loadNpz(path.join(dir, name));
    const flags = arrays.get('synthetic');
    assert.ok(flags, `expected a synthetic array in ${name}`);
    assert.ok(Array.from(flags!.data).every((flag) => flag === 0), `expected every flag 0 in ${name}`);
    assert.equal(flags!.shape, [arrays.get('images')!.shape[0]]);
  }
});

test.run();
