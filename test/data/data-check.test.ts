import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { checkImageDataset, formatDataCheck } from '../../kernel-lib/data/data-check';
import { ImageDataset, SPLIT_NAMES } from '../../kernel-lib/data/image-dataset';
import { makeChestPhantomDataset } from '../../kernel-lib/data/phantom';
import { loadImageDataset } from '../../kernel-lib/data/registry';

// 2×2 images. SHA-1 values from `printf '\x01\x02\x03\x04' | sha1sum` (GNU coreutils).
const A = [1, 2, 3, 4];
const A_SHA1 = '12dada1fff4d4787ade3333147202c3b443e376f';
const B = [5, 5, 5, 5];
const B_SHA1 = 'ddda82c92baeee911291521bd53a3b236fbb9184';
const D = [9, 8, 7, 6];
const D_SHA1 = 'ad852567418f20fdbc838ff085c4bcd64b2d0d12';
const NEAR_A = [1, 2, 3, 5]; // one byte from A: not a duplicate

function split(images: number[][], labels: number[]) {
  return { images: Uint8Array.from(images.flat()), labels: Int32Array.from(labels), count: labels.length };
}

/**
 * Builds a 2×2 dataset with one duplicate across train and test (A, same label), one
 * within train (B), and one pair with conflicting labels within val (D, labels 0 and
 * 1). Every other image is distinct.
 */
function handBuilt(): ImageDataset {
  return {
    name: 'hand-built',
    height: 2,
    width: 2,
    classNames: ['normal', 'finding'],
    splits: {
      train: split([A, B, NEAR_A, B, [0, 0, 0, 0]], [0, 1, 0, 1, 0]),
      val: split([D, [255, 0, 255, 0], D], [0, 1, 1]),
      test: split([[4, 3, 2, 1], A], [0, 0]),
    },
    source: 'unit test',
  };
}

test('hand-built duplicates are reported exactly', () => {
  const report = checkImageDataset(handBuilt());
  assert.is(report.dataset, 'hand-built');
  assert.is(report.imageCount, 10);
  assert.is(report.uniqueImageCount, 7);

  assert.is(report.crossSplit.groupCount, 1);
  assert.is(report.crossSplit.imageCount, 2);
  assert.equal(report.crossSplit.groups, [
    {
      sha1: A_SHA1,
      members: [
        { split: 'train', index: 0, label: 0 },
        { split: 'test', index: 1, label: 0 },
      ],
      splits: ['train', 'test'],
      labels: [0],
    },
  ]);

  assert.is(report.withinSplit.groupCount, 2);
  assert.is(report.withinSplit.imageCount, 4);
  assert.equal(report.withinSplit.redundantImages, { train: 1, val: 1, test: 0 });
  assert.equal(
    report.withinSplit.groups.map((group) => group.sha1),
    [B_SHA1, D_SHA1],
  );
  assert.equal(report.withinSplit.groups[0].members, [
    { split: 'train', index: 1, label: 1 },
    { split: 'train', index: 3, label: 1 },
  ]);

  assert.is(report.conflictingLabels.groupCount, 1);
  assert.is(report.conflictingLabels.imageCount, 2);
  assert.equal(report.conflictingLabels.groups, [
    {
      sha1: D_SHA1,
      members: [
        { split: 'val', index: 0, label: 0 },
        { split: 'val', index: 2, label: 1 },
      ],
      splits: ['val'],
      labels: [0, 1],
    },
  ]);
});

test('check leaves images and labels unchanged', () => {
  const ds = handBuilt();
  const before = SPLIT_NAMES.map((name) => [Array.from(ds.splits[name]!.images), Array.from(ds.splits[name]!.labels)]);
  checkImageDataset(ds);
  const after = SPLIT_NAMES.map((name) => [Array.from(ds.splits[name]!.images), Array.from(ds.splits[name]!.labels)]);
  assert.equal(after, before);
});

test('format shows counts and examples', () => {
  const text = formatDataCheck(checkImageDataset(handBuilt()));
  assert.is(
    text,
    [
      "data check of 'hand-built': 10 images, 7 distinct",
      '  cross-split duplicates: 1 group (2 images), e.g. train 0 = test 1',
      '  within-split duplicates: 2 groups (4 images); redundant copies train 1, val 1, test 0, ' +
        'e.g. train 1 = train 3; val 0 = val 2 (labels 0, 1)',
      '  conflicting labels: 1 group (2 images), e.g. val 0 = val 2 (labels 0, 1)',
    ].join('\n'),
  );
});

test('maxGroups caps the lists, not the totals', () => {
  // Five pairs of identical images: train i equals test i.
  const images = [0, 1, 2, 3, 4].map((v) => [v, v, v, v]);
  const ds: ImageDataset = {
    name: 'pairs',
    height: 2,
    width: 2,
    classNames: ['only'],
    splits: { train: split(images, [0, 0, 0, 0, 0]), test: split(images, [0, 0, 0, 0, 0]) },
    source: 'unit test',
  };
  const report = checkImageDataset(ds, { maxGroups: 2 });
  assert.is(report.crossSplit.groupCount, 5);
  assert.is(report.crossSplit.imageCount, 10);
  assert.is(report.crossSplit.groups.length, 2);
  assert.equal(report.crossSplit.groups[1].members.map((m) => m.index), [1, 1]);
  assert.match(formatDataCheck(report, 1), 'cross-split duplicates: 5 groups (10 images), e.g. train 0 = test 0, and 4 more');
});

test('generated phantoms have no duplicates', () => {
  const ds = makeChestPhantomDataset({ seed: 2, counts: { train: [30, 3, 3, 3], val: [10, 1, 1, 1], test: [10, 1, 1, 1] } });
  const report = checkImageDataset(ds);
  assert.is(report.uniqueImageCount, report.imageCount);
  assert.is(report.crossSplit.groupCount, 0);
  assert.is(report.withinSplit.groupCount, 0);
  assert.is(report.conflictingLabels.groupCount, 0);
  assert.match(formatDataCheck(report), 'conflicting labels: none');
});

test('rejects inconsistent splits and options', () => {
  const ds = handBuilt();
  ds.splits.val = { ...ds.splits.val!, count: 4 };
  assert.throws(
    () => checkImageDataset(ds),
    /checkImageDataset: val split of 'hand-built' has count 4 but 12 image bytes \(expected 16\) and 3 labels/,
  );
  assert.throws(() => checkImageDataset(handBuilt(), { maxGroups: -1 }), /checkImageDataset: `maxGroups` must be a non-negative integer, got -1/);
  assert.throws(() => formatDataCheck(checkImageDataset(handBuilt()), 1.5), /formatDataCheck: `examples` must be a non-negative integer, got 1\.5/);
});

/** Finds the folder with the package.json named "medsynth", at or above this file. */
function findProjectRoot(): string {
  let folder = __dirname;
  for (;;) {
    const packagePath = path.join(folder, 'package.json');
    if (fs.existsSync(packagePath) && JSON.parse(fs.readFileSync(packagePath, 'utf8')).name === 'medsynth') return folder;
    const parent = path.dirname(folder);
    if (parent === folder) throw new Error(`no medsynth package.json above ${__dirname}`);
    folder = parent;
  }
}

test('pneumoniamnist copy has cross-split duplicates', () => {
  const filePath = path.resolve(findProjectRoot(), '..', 'shared', 'datasets', 'pneumoniamnist', 'pneumoniamnist.npz');
  if (!fs.existsSync(filePath)) {
    console.log(`skipping pneumoniamnist data check: ${filePath} is absent`);
    return;
  }
  const report = checkImageDataset(loadImageDataset('pneumoniamnist'));
  // The copy's documentation: byte-identical groups exist, some span train/val/test,
  // and none has conflicting labels.
  assert.ok(report.crossSplit.groupCount >= 1, `expected a cross-split duplicate group, got ${report.crossSplit.groupCount}`);
  assert.is(report.conflictingLabels.groupCount, 0);
  for (const group of report.crossSplit.groups) {
    assert.ok(group.splits.length >= 2, `group ${group.sha1} lists splits ${group.splits}`);
  }
});

test.run();
