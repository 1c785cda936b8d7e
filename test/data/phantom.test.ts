import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classCounts, ImageDataset, SPLIT_NAMES } from '../../kernel-lib/data/image-dataset';
import {
  CHEST_PHANTOM_CLASS_NAMES,
  CHEST_PHANTOM_DEFAULT_COUNTS,
  ChestPhantomCounts,
  makeChestPhantomDataset,
} from '../../kernel-lib/data/phantom';
import { getDatasetInfo, loadImageDataset } from '../../kernel-lib/data/registry';

const NO_FINDING = 0;
const EFFUSION = 1;
const CARDIOMEGALY = 2;
const NODULE = 3;

const SMALL: ChestPhantomCounts = { train: [12, 4, 4, 4], val: [3, 1, 1, 1], test: [0, 2, 0, 2] };

// Measurements use boxes in fractions of the image side, (0, 0) top-left. Each box is
// inside the structure it samples in the unposed anatomy. Pose moves these points by
// up to about 0.07 in the worst case, so in a few images a box reaches a neighbouring
// structure, and the thresholds below leave room for that.
const UPPER_LUNG = { left: [0.2, 0.3], right: [0.7, 0.8], y: [0.3, 0.45] };
const LOWER_LATERAL_LUNG = { left: [0.16, 0.3], right: [0.7, 0.84], y: [0.6, 0.68] };
const MEDIASTINUM = { x: [0.45, 0.55], y: [0.3, 0.45] };
const HEART_ROWS = [0.62, 0.7];

/** Mean of the pixels of a `[size, size]` image whose centres lie in the box. */
function boxMean(image: Uint8Array, size: number, [x0, x1]: number[], [y0, y1]: number[]): number {
  let sum = 0;
  let pixels = 0;
  for (let row = 0; row < size; row++) {
    const y = (row + 0.5) / size;
    if (y < y0 || y > y1) continue;
    for (let column = 0; column < size; column++) {
      const x = (column + 0.5) / size;
      if (x < x0 || x > x1) continue;
      sum += image[row * size + column];
      pixels++;
    }
  }
  return sum / pixels;
}

/** Per lung field, lower lateral mean minus upper mean: near 0 for an aerated lung. */
function lowerLungExcess(image: Uint8Array, size: number): [number, number] {
  const excess = (xs: number[]) => boxMean(image, size, xs, LOWER_LATERAL_LUNG.y) - boxMean(image, size, xs, UPPER_LUNG.y);
  return [excess(LOWER_LATERAL_LUNG.left), excess(LOWER_LATERAL_LUNG.right)];
}

/**
 * Measures the heart on the mean profile of the rows HEART_ROWS. Pixels brighter than
 * halfway between lung and mediastinum count as heart, in one run through the centre
 * column. The thorax spans from the heart outward through the dark lungs to the first
 * bright pixel of the chest wall on each side. Returns widths in pixels and their ratio.
 */
function measureHeart(image: Uint8Array, size: number): { heartWidth: number; cardiothoracicRatio: number } {
  const lung = (boxMean(image, size, UPPER_LUNG.left, UPPER_LUNG.y) + boxMean(image, size, UPPER_LUNG.right, UPPER_LUNG.y)) / 2;
  const threshold = (lung + boxMean(image, size, MEDIASTINUM.x, MEDIASTINUM.y)) / 2;

  const profile = new Float64Array(size);
  let rows = 0;
  for (let row = 0; row < size; row++) {
    const y = (row + 0.5) / size;
    if (y < HEART_ROWS[0] || y > HEART_ROWS[1]) continue;
    for (let column = 0; column < size; column++) profile[column] += image[row * size + column];
    rows++;
  }
  for (let column = 0; column < size; column++) profile[column] /= rows;

  let left = Math.floor(size / 2);
  let right = left;
  while (left > 0 && profile[left - 1] > threshold) left--;
  while (right < size - 1 && profile[right + 1] > threshold) right++;
  let wallLeft = left - 1;
  let wallRight = right + 1;
  while (wallLeft > 0 && profile[wallLeft] <= threshold) wallLeft--;
  while (wallRight < size - 1 && profile[wallRight] <= threshold) wallRight++;

  const heartWidth = right - left + 1;
  return { heartWidth, cardiothoracicRatio: heartWidth / (wallRight - wallLeft - 1) };
}

/**
 * Strongest isolated bright peak in the lung boxes: at each pixel, the mean of its
 * 3×3 neighbourhood minus the brightest pixel on a ring of radius round(0.07 · size).
 * A ridge (rib) or an edge has a ring pixel as bright as its centre, so it scores near
 * or below 0; a blob smaller than the ring scores its height.
 */
function peakScore(image: Uint8Array, size: number): number {
  const radius = Math.round(0.07 * size);
  const ring: [number, number][] = [];
  for (let dy = -radius; dy <= radius; dy++) {
    for (let dx = -radius; dx <= radius; dx++) {
      if (Math.round(Math.hypot(dx, dy)) === radius) ring.push([dx, dy]);
    }
  }

  let best = -Infinity;
  for (let row = radius; row < size - radius; row++) {
    for (let column = radius; column < size - radius; column++) {
      const x = (column + 0.5) / size;
      const y = (row + 0.5) / size;
      const inLungBox = y > 0.18 && y < 0.66 && ((x > 0.12 && x < 0.42) || (x > 0.58 && x < 0.88));
      if (!inLungBox) continue;

      let centre = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) centre += image[(row + dy) * size + column + dx];
      let ringMax = -Infinity;
      for (const [dx, dy] of ring) ringMax = Math.max(ringMax, image[(row + dy) * size + column + dx]);
      best = Math.max(best, centre / 9 - ringMax);
    }
  }
  return best;
}

/** Applies `measure` to every train image; returns the values of each class. */
function measureByClass<T>(ds: ImageDataset, measure: (image: Uint8Array, size: number) => T): T[][] {
  const { images, labels, count } = ds.splits.train;
  const pixels = ds.height * ds.width;
  const byClass: T[][] = CHEST_PHANTOM_CLASS_NAMES.map(() => []);
  for (let i = 0; i < count; i++) byClass[labels[i]].push(measure(images.subarray(i * pixels, (i + 1) * pixels), ds.height));
  return byClass;
}

const mean = (values: number[]) => values.reduce((total, v) => total + v, 0) / values.length;
const fraction = (values: number[], keep: (v: number) => boolean) => values.filter(keep).length / values.length;

// One 28×28 set shared by the property tests: 100 images of each class.
const PROPERTY_SET = makeChestPhantomDataset({
  seed: 21,
  counts: { train: [100, 100, 100, 100], val: [0, 0, 0, 0], test: [0, 0, 0, 0] },
});

test('same seed gives identical bytes', () => {
  const a = makeChestPhantomDataset({ seed: 11, counts: SMALL });
  const b = makeChestPhantomDataset({ seed: 11, counts: SMALL });
  for (const split of SPLIT_NAMES) {
    assert.ok(Buffer.from(a.splits[split]!.images).equals(Buffer.from(b.splits[split]!.images)), `${split} images`);
    assert.equal(Array.from(a.splits[split]!.labels), Array.from(b.splits[split]!.labels), `${split} labels`);
  }
});

test('different seeds give different images', () => {
  const a = makeChestPhantomDataset({ seed: 1, counts: SMALL }).splits.train.images;
  const b = makeChestPhantomDataset({ seed: 2, counts: SMALL }).splits.train.images;
  let differing = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differing++;
  // Film grain alone (standard deviation 3.5 grey levels) changes most pixels.
  assert.ok(differing > a.length / 2, `expected most pixels to differ, but ${differing} of ${a.length} did`);
});

test('default set has documented counts and shape', () => {
  const ds = makeChestPhantomDataset();
  assert.is(ds.name, 'chest-phantom');
  assert.is(ds.height, 28);
  assert.is(ds.width, 28);
  assert.equal(ds.classNames, ['no finding', 'effusion', 'cardiomegaly', 'nodule']);
  assert.equal(classCounts(ds.splits.train, 4), [600, 40, 40, 40]);
  assert.equal(classCounts(ds.splits.val!, 4), [150, 10, 10, 10]);
  assert.equal(classCounts(ds.splits.test!, 4), [300, 25, 25, 25]);
  assert.is(ds.splits.train.images.length, 720 * 28 * 28);
});

test('configured counts are used', () => {
  const ds = makeChestPhantomDataset({ seed: 3, counts: SMALL });
  assert.equal(classCounts(ds.splits.train, 4), [12, 4, 4, 4]);
  assert.equal(classCounts(ds.splits.val!, 4), [3, 1, 1, 1]);
  assert.equal(classCounts(ds.splits.test!, 4), [0, 2, 0, 2]);
  assert.is(ds.splits.test!.count, 4);
  assert.is(ds.splits.test!.images.length, 4 * 28 * 28);
});

test('classes are shuffled within a split', () => {
  const labels = Array.from(makeChestPhantomDataset({ seed: 4, counts: SMALL }).splits.train.labels);
  const firstFinding = labels.findIndex((label) => label !== NO_FINDING);
  assert.ok(firstFinding < 12, `expected a finding among the first 12 images, first at ${firstFinding}`);
});

test('train counts leave other splits unchanged', () => {
  const a = makeChestPhantomDataset({ seed: 5, counts: SMALL });
  const b = makeChestPhantomDataset({ seed: 5, counts: { ...SMALL, train: [20, 1, 2, 3] } });
  assert.ok(Buffer.from(a.splits.test!.images).equals(Buffer.from(b.splits.test!.images)));
  assert.ok(Buffer.from(a.splits.val!.images).equals(Buffer.from(b.splits.val!.images)));
});

test('generation never calls Math.random', () => {
  const original = Math.random;
  Math.random = () => {
    throw new Error('Math.random called');
  };
  try {
    makeChestPhantomDataset({ seed: 6, counts: SMALL });
  } finally {
    Math.random = original;
  }
});

test('pixel values span background to bone', () => {
  const { images, count } = PROPERTY_SET.splits.train;
  const pixels = 28 * 28;
  let saturated = 0;
  for (let i = 0; i < count; i++) {
    const sorted = Array.from(images.subarray(i * pixels, (i + 1) * pixels)).sort((a, b) => a - b);
    const low = sorted[Math.floor(0.02 * pixels)];
    const high = sorted[Math.floor(0.98 * pixels)];
    // The generator draws background at 8-28, lung at 55-85 and tissue at 185-215, before a
    // ±10% contrast change and a ±10 brightness shift.
    assert.ok(low < 70, `image ${i}: expected a 2nd percentile below 70 (background or lung), got ${low}`);
    assert.ok(high > 160, `image ${i}: expected a 98th percentile above 160 (soft tissue), got ${high}`);
    assert.ok(high - low > 100, `image ${i}: expected a range over 100 grey levels, got ${low}-${high}`);
    saturated += sorted.filter((v) => v === 0 || v === 255).length;
  }
  const saturatedFraction = saturated / images.length;
  assert.ok(saturatedFraction < 0.02, `expected under 2% of pixels at 0 or 255, got ${saturatedFraction}`);
});

test('effusion brightens the bottom of one lung', () => {
  const excess = measureByClass(PROPERTY_SET, lowerLungExcess);
  const larger = excess.map((values) => values.map(([left, right]) => Math.max(left, right)));
  const smaller = excess.map((values) => values.map(([left, right]) => Math.min(left, right)));
  // Measured with seeds 1-3 and 21 (100 images per class): the larger excess has mean
  // 118-124 for effusion and -2 to 0 for no finding, with standard deviations 15-17 and
  // 5-9. Fluid turns lung (55-85) into soft tissue (185-215) over the lower box.
  const difference = mean(larger[EFFUSION]) - mean(larger[NO_FINDING]);
  assert.ok(difference > 60, `expected effusion lower lung brighter by > 60, got ${difference}`);
  assert.ok(fraction(larger[EFFUSION], (v) => v > 40) >= 0.95, 'effusion images with excess > 40');
  assert.ok(fraction(larger[NO_FINDING], (v) => v > 40) <= 0.05, 'no-finding images with excess > 40');
  // The other lung stays aerated: the smaller excess has measured mean -4.9 to -4.3.
  assert.ok(Math.abs(mean(smaller[EFFUSION])) < 15, `expected the other lung near 0, got ${mean(smaller[EFFUSION])}`);
});

test('cardiomegaly widens the heart past half the thorax', () => {
  const hearts = measureByClass(PROPERTY_SET, measureHeart);
  const widths = hearts.map((values) => values.map((h) => h.heartWidth));
  const ratios = hearts.map((values) => values.map((h) => h.cardiothoracicRatio));
  // Drawn ratios: 0.38-0.46 for no finding, 0.56-0.66 for cardiomegaly. At 28 px the
  // heart is 8-15 pixels wide, so one pixel moves the measured ratio by about 0.05.
  // Measured with seeds 1-3 and 21: means 0.40-0.41 and 0.59-0.60, standard deviation
  // 0.03-0.04; heart widths 8.9-9.1 and 13.0-13.3 pixels.
  assert.ok(mean(ratios[CARDIOMEGALY]) > 0.55, `expected cardiomegaly CTR mean > 0.55, got ${mean(ratios[CARDIOMEGALY])}`);
  assert.ok(mean(ratios[NO_FINDING]) < 0.45, `expected no-finding CTR mean < 0.45, got ${mean(ratios[NO_FINDING])}`);
  assert.ok(fraction(ratios[CARDIOMEGALY], (r) => r > 0.5) >= 0.9, 'cardiomegaly images with CTR > 0.5');
  assert.ok(fraction(ratios[NO_FINDING], (r) => r < 0.5) >= 0.9, 'no-finding images with CTR < 0.5');
  const widening = mean(widths[CARDIOMEGALY]) - mean(widths[NO_FINDING]);
  assert.ok(widening > 2.5, `expected the heart wider by > 2.5 pixels, got ${widening}`);
});

test('nodule adds an isolated bright peak in a lung', () => {
  const peaks = measureByClass(PROPERTY_SET, peakScore);
  // Measured with seeds 7-9 (28 px, 200 images per class): mean 17.5-17.8 grey levels
  // with nodule, -0.8 to -0.2 without. Above 10: 88-92% of nodule images, and no image
  // of another class.
  const difference = mean(peaks[NODULE]) - mean(peaks[NO_FINDING]);
  assert.ok(difference > 10, `expected nodule peaks higher by > 10, got ${difference}`);
  assert.ok(fraction(peaks[NODULE], (v) => v > 10) >= 0.75, `nodule images with a peak > 10: ${fraction(peaks[NODULE], (v) => v > 10)}`);
  for (const label of [NO_FINDING, EFFUSION, CARDIOMEGALY]) {
    const share = fraction(peaks[label], (v) => v > 10);
    assert.ok(share <= 0.03, `${CHEST_PHANTOM_CLASS_NAMES[label]} images with a peak > 10: ${share}`);
  }
});

test('size 64 keeps the findings measurable', () => {
  const ds = makeChestPhantomDataset({ seed: 8, size: 64, counts: { train: [20, 20, 2, 20], val: [1, 0, 0, 0], test: [0, 0, 0, 0] } });
  assert.is(ds.height, 64);
  assert.is(ds.width, 64);
  assert.is(ds.splits.train.images.length, 62 * 64 * 64);
  assert.is(ds.splits.val!.images.length, 64 * 64);

  const excess = measureByClass(ds, lowerLungExcess).map((values) => values.map(([l, r]) => Math.max(l, r)));
  const peaks = measureByClass(ds, peakScore);
  // Measured with seeds 1-3 at 64 px (40 images per class): effusion excess 119 against
  // 0.6-3.5; nodule peaks 44-48 against 2.6-2.9.
  assert.ok(mean(excess[EFFUSION]) - mean(excess[NO_FINDING]) > 60, 'effusion excess at 64 px');
  assert.ok(mean(peaks[NODULE]) - mean(peaks[NO_FINDING]) > 25, 'nodule peak at 64 px');
});

test('size 32 gives 32×32 images', () => {
  const ds = makeChestPhantomDataset({ seed: 9, size: 32, counts: SMALL });
  assert.is(ds.height, 32);
  assert.is(ds.splits.train.images.length, 24 * 32 * 32);
});

test('rejects invalid options naming the value', () => {
  assert.throws(() => makeChestPhantomDataset({ seed: 1.5 }), /makeChestPhantomDataset: `seed` must be an integer, got 1\.5/);
  assert.throws(() => makeChestPhantomDataset({ size: 16 }), /makeChestPhantomDataset: `size` must be an integer in \[24, 256\], got 16/);
  assert.throws(() => makeChestPhantomDataset({ size: 28.5 }), /`size` must be an integer in \[24, 256\], got 28\.5/);
  assert.throws(
    () => makeChestPhantomDataset({ counts: { ...SMALL, val: [1, 2, 3] } }),
    /`counts\.val` must be 4 non-negative integers \[no finding, effusion, cardiomegaly, nodule\], got \[1,2,3\]/,
  );
  assert.throws(() => makeChestPhantomDataset({ counts: { ...SMALL, test: [1, -1, 0, 0] } }), /`counts\.test` .* got \[1,-1,0,0\]/);
  const missingTest = { train: [1, 1, 1, 1], val: [0, 0, 0, 0] } as unknown as ChestPhantomCounts;
  assert.throws(() => makeChestPhantomDataset({ counts: missingTest }), /`counts\.test` .* got undefined/);
});

test('default counts constant matches the default set', () => {
  assert.equal(CHEST_PHANTOM_DEFAULT_COUNTS.train, [600, 40, 40, 40]);
  assert.ok(Object.isFrozen(CHEST_PHANTOM_DEFAULT_COUNTS.train));
});

test('registry generates chest-phantom from the seed', () => {
  const info = getDatasetInfo('chest-phantom');
  assert.is(info.kind, 'generated');
  assert.equal(info.classNames, [...CHEST_PHANTOM_CLASS_NAMES]);
  const ds = loadImageDataset('chest-phantom', { seed: 4 });
  const expected = makeChestPhantomDataset({ seed: 4 });
  assert.is(ds.name, 'chest-phantom');
  assert.ok(Buffer.from(ds.splits.test!.images).equals(Buffer.from(expected.splits.test!.images)));
  assert.equal(Array.from(ds.splits.train.labels), Array.from(expected.splits.train.labels));
});

test('registry still generates demo', () => {
  const ds = loadImageDataset('demo', { seed: 2 });
  assert.is(ds.name, 'demo');
  assert.equal(ds.classNames, ['normal', 'lesion']);
});

test.run();
