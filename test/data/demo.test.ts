import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classCounts } from '../../kernel-lib/data/image-dataset';
import { demoLungFieldMask, makeDemoDataset } from '../../kernel-lib/data/demo';

const SMALL = { train: [40, 20], val: [5, 3], test: [0, 4] } as { train: [number, number]; val: [number, number]; test: [number, number] };

test('same seed gives identical bytes', () => {
  const a = makeDemoDataset({ seed: 11, counts: SMALL });
  const b = makeDemoDataset({ seed: 11, counts: SMALL });
  for (const split of ['train', 'val', 'test'] as const) {
    assert.ok(Buffer.from(a.splits[split]!.images).equals(Buffer.from(b.splits[split]!.images)), `${split} images`);
    assert.equal(Array.from(a.splits[split]!.labels), Array.from(b.splits[split]!.labels), `${split} labels`);
  }
});

test('different seeds give different images', () => {
  const a = makeDemoDataset({ seed: 1, counts: SMALL }).splits.train.images;
  const b = makeDemoDataset({ seed: 2, counts: SMALL }).splits.train.images;
  let differing = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differing++;
  // Noise alone (sigma 3 grey levels) changes most pixels.
  assert.ok(differing > a.length / 2, `expected most pixels to differ, but ${differing} of ${a.length} did`);
});

test('default counts and shape', () => {
  const ds = makeDemoDataset();
  assert.is(ds.name, 'demo');
  assert.is(ds.height, 28);
  assert.is(ds.width, 28);
  assert.equal(ds.classNames, ['normal', 'lesion']);
  assert.equal(classCounts(ds.splits.train, 2), [600, 60]);
  assert.equal(classCounts(ds.splits.val!, 2), [150, 15]);
  assert.equal(classCounts(ds.splits.test!, 2), [300, 30]);
  assert.is(ds.splits.train.images.length, 660 * 28 * 28);
});

test('configured counts and size are used', () => {
  const ds = makeDemoDataset({ seed: 3, size: 16, counts: SMALL });
  assert.is(ds.height, 16);
  assert.equal(classCounts(ds.splits.train, 2), [40, 20]);
  assert.equal(classCounts(ds.splits.val!, 2), [5, 3]);
  assert.equal(classCounts(ds.splits.test!, 2), [0, 4]);
  assert.is(ds.splits.test!.images.length, 4 * 16 * 16);
});

test('classes are shuffled within a split', () => {
  const labels = Array.from(makeDemoDataset({ seed: 4, counts: SMALL }).splits.train.labels);
  const firstLesion = labels.indexOf(1);
  assert.ok(firstLesion < 40, `expected a lesion among the first 40 images, first at ${firstLesion}`);
});

test('lesion images are brighter inside the lung fields', () => {
  const ds = makeDemoDataset({ seed: 5, counts: { train: [200, 200], val: [0, 0], test: [0, 0] } });
  const mask = demoLungFieldMask(28);
  const { images, labels, count } = ds.splits.train;
  const sums = [0, 0];
  const pixels = [0, 0];
  const outsideSums = [0, 0];
  const outsidePixels = [0, 0];
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < 784; p++) {
      if (mask[p]) {
        sums[labels[i]] += images[i * 784 + p];
        pixels[labels[i]]++;
      } else {
        outsideSums[labels[i]] += images[i * 784 + p];
        outsidePixels[labels[i]]++;
      }
    }
  }
  const [normalLung, lesionLung] = [sums[0] / pixels[0], sums[1] / pixels[1]];
  const [normalOutside, lesionOutside] = [outsideSums[0] / outsidePixels[0], outsideSums[1] / outsidePixels[1]];
  // Measured with seeds 5-7: lesions raise the mean over the 80-pixel mask by 11.7-12.4 grey
  // levels. Per-image means have a standard deviation of 6-8, so the difference of two means
  // over 200 images each has a standard error of about 0.7. The threshold 4 is more than 5
  // standard errors from both 0 and the measured difference.
  assert.ok(lesionLung - normalLung > 4, `expected lesion lungs brighter by > 4, got ${lesionLung} vs ${normalLung}`);
  assert.ok(Math.abs(lesionOutside - normalOutside) < 2, `expected similar brightness outside, got ${lesionOutside} vs ${normalOutside}`);
});

test('lung field mask covers both lungs only', () => {
  const mask = demoLungFieldMask(28);
  const area = mask.reduce((total, m) => total + m, 0);
  assert.ok(area > 40 && area < 120, `expected a lung mask of 40-120 pixels, got ${area}`);
  assert.is(mask[14 * 28 + 14], 0, 'centre column (mediastinum) is outside');
  assert.is(mask[13 * 28 + 8], 1, 'left lung centre is inside');
  assert.is(mask[13 * 28 + 19], 1, 'right lung centre is inside');
});

test('rejects invalid options', () => {
  assert.throws(() => makeDemoDataset({ seed: 1.5 }), /makeDemoDataset: `seed` must be an integer, got 1.5/);
  assert.throws(() => makeDemoDataset({ size: 4 }), /`size` must be an integer in \[8, 256\], got 4/);
  assert.throws(
    () => makeDemoDataset({ counts: { train: [10, -1], val: [1, 1], test: [1, 1] } }),
    /`counts.train` must be \[normal, lesion\] non-negative integers, got \[10,-1\]/,
  );
});

test.run();
