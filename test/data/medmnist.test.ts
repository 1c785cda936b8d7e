import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadMedMnist } from '../../kernel-lib/data/medmnist';
import { npy, writeNpz } from '../helpers/npz-writer';

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-medmnist-'));
test.after(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

/** `count` images of 2×3 pixels where image i has pixel values 10i + 0 … 10i + 5. */
function ramps(count: number): Uint8Array {
  return Uint8Array.from({ length: count * 6 }, (_, j) => 10 * Math.floor(j / 6) + (j % 6));
}

test('loads splits with (N, 1) labels', () => {
  const filePath = writeNpz(path.join(tmpDir, 'tiny.npz'), {
    'train_images.npy': npy('|u1', [3, 2, 3], ramps(3)),
    'train_labels.npy': npy('|u1', [3, 1], Uint8Array.from([1, 0, 1])),
    'val_images.npy': npy('|u1', [1, 2, 3], ramps(1)),
    'val_labels.npy': npy('|u1', [1, 1], Uint8Array.from([0])),
    'test_images.npy': npy('|u1', [2, 2, 3], ramps(2)),
    'test_labels.npy': npy('|u1', [2, 1], Uint8Array.from([1, 1])),
  });
  const ds = loadMedMnist(filePath, { name: 'tiny', classNames: ['normal', 'pneumonia'] });
  assert.is(ds.name, 'tiny');
  assert.is(ds.height, 2);
  assert.is(ds.width, 3);
  assert.equal(ds.classNames, ['normal', 'pneumonia']);
  assert.is(ds.source, filePath);
  assert.is(ds.splits.train.count, 3);
  assert.equal(Array.from(ds.splits.train.labels), [1, 0, 1]);
  assert.equal(Array.from(ds.splits.train.images.subarray(6, 12)), [10, 11, 12, 13, 14, 15]);
  assert.is(ds.splits.val!.count, 1);
  assert.equal(Array.from(ds.splits.test!.labels), [1, 1]);
});

test('loads (N, H, W, 1) images and (N,) labels', () => {
  const filePath = writeNpz(path.join(tmpDir, 'channel.npz'), {
    'train_images.npy': npy('|u1', [3, 2, 3, 1], ramps(3)),
    'train_labels.npy': npy('<i8', [3], BigInt64Array.from([2n, 0n, 1n])),
  });
  const ds = loadMedMnist(filePath);
  assert.is(ds.name, 'channel');
  assert.equal(ds.classNames, ['0', '1', '2']);
  assert.equal(Array.from(ds.splits.train.labels), [2, 0, 1]);
  assert.equal(Array.from(ds.splits.train.images), Array.from(ramps(3)));
  assert.is(ds.splits.val, undefined);
  assert.is(ds.splits.test, undefined);
});

test('rejects RGB images', () => {
  const filePath = writeNpz(path.join(tmpDir, 'rgb.npz'), {
    'train_images.npy': npy('|u1', [1, 2, 2, 3], new Uint8Array(12)),
    'train_labels.npy': npy('|u1', [1, 1], Uint8Array.from([0])),
  });
  assert.throws(() => loadMedMnist(filePath), /train_images has shape \(1, 2, 2, 3\): RGB images are not supported, only grayscale/);
});

test('rejects label count mismatch naming both counts', () => {
  const filePath = writeNpz(path.join(tmpDir, 'mismatch.npz'), {
    'train_images.npy': npy('|u1', [3, 2, 3], ramps(3)),
    'train_labels.npy': npy('|u1', [3, 1], Uint8Array.from([0, 1, 0])),
    'val_images.npy': npy('|u1', [4, 2, 3], ramps(4)),
    'val_labels.npy': npy('|u1', [2, 1], Uint8Array.from([0, 1])),
  });
  assert.throws(() => loadMedMnist(filePath), /val has 4 images but 2 labels/);
});

test('rejects labels outside the class list', () => {
  const filePath = writeNpz(path.join(tmpDir, 'outside.npz'), {
    'train_images.npy': npy('|u1', [2, 2, 3], ramps(2)),
    'train_labels.npy': npy('|u1', [2, 1], Uint8Array.from([0, 2])),
  });
  assert.throws(
    () => loadMedMnist(filePath, { classNames: ['malignant', 'normal or benign'] }),
    /train label 2 at index 1 is outside the 2 classes \["malignant","normal or benign"\]/,
  );
});

test('rejects multi-label arrays', () => {
  const filePath = writeNpz(path.join(tmpDir, 'multi.npz'), {
    'train_images.npy': npy('|u1', [2, 2, 3], ramps(2)),
    'train_labels.npy': npy('|u1', [2, 14], new Uint8Array(28)),
  });
  assert.throws(() => loadMedMnist(filePath), /train_labels has shape \(2, 14\): multi-label sets are not supported/);
});

test('rejects splits of different image size', () => {
  const filePath = writeNpz(path.join(tmpDir, 'sizes.npz'), {
    'train_images.npy': npy('|u1', [1, 2, 3], ramps(1)),
    'train_labels.npy': npy('|u1', [1, 1], Uint8Array.from([0])),
    'test_images.npy': npy('|u1', [1, 3, 2], ramps(1)),
    'test_labels.npy': npy('|u1', [1, 1], Uint8Array.from([0])),
  });
  assert.throws(() => loadMedMnist(filePath), /test images are 3×2 but train images are 2×3/);
});

test('rejects missing train keys listing the keys found', () => {
  const filePath = writeNpz(path.join(tmpDir, 'keys.npz'), { 'x.npy': npy('|u1', [1], Uint8Array.from([0])) });
  assert.throws(() => loadMedMnist(filePath), /missing 'train_images' or 'train_labels'; the archive has keys \["x"\]/);
});

test('rejects float images', () => {
  const filePath = writeNpz(path.join(tmpDir, 'float.npz'), {
    'train_images.npy': npy('<f4', [1, 1, 2], Float32Array.from([0.5, 1])),
    'train_labels.npy': npy('|u1', [1, 1], Uint8Array.from([0])),
  });
  assert.throws(() => loadMedMnist(filePath), /train_images has dtype float32, expected uint8/);
});

test('missing file message names the path', () => {
  const missing = path.join(tmpDir, 'absent.npz');
  assert.throws(() => loadMedMnist(missing), (err: Error) => err.message.includes(`file not found: ${missing}`));
});

test.run();
