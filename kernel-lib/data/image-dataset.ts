/**
 * In-memory image classification datasets shared by the loaders (MedMNIST `.npz`,
 * PNG folders, the generated demo set): types, class counts, a summary table and
 * the validation every loader runs before returning.
 */
import { log } from '../util/log';

export const SPLIT_NAMES = ['train', 'val', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/** One split of grayscale images with integer class labels. */
export interface ImageSplit {
  /** [count, height, width], grayscale 0-255, row-major. */
  images: Uint8Array;
  /** [count], class indices into `ImageDataset.classNames`. */
  labels: Int32Array;
  count: number;
}

/** A grayscale image classification dataset with its provenance. */
export interface ImageDataset {
  name: string;
  height: number;
  width: number;
  classNames: string[];
  splits: { train: ImageSplit; val?: ImageSplit; test?: ImageSplit };
  /** File, folder or generator the data came from. */
  source: string;
  license?: string;
  citation?: string;
}

/** Counts the images of each class in a split; `counts[k]` is the number with label k. */
export function classCounts(split: ImageSplit, numClasses: number): number[] {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new Error(`classCounts: \`numClasses\` must be a positive integer, got ${numClasses}`);
  }
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < split.count; i++) {
    const label = split.labels[i];
    if (label < 0 || label >= numClasses) {
      throw new Error(`classCounts: label ${label} at index ${i} is outside [0, ${numClasses})`);
    }
    counts[label]++;
  }
  return counts;
}

/**
 * Copies the first `max` images of class `classIndex` in `split` (in split order) into one
 * array, [count, height, width] with `imageSize` = height × width.
 */
export function imagesOfClass(split: ImageSplit, classIndex: number, imageSize: number, max = Infinity): Uint8Array {
  if (!Number.isInteger(imageSize) || imageSize < 1 || split.images.length !== split.count * imageSize) {
    throw new Error(`imagesOfClass: \`imageSize\` ${imageSize} does not divide the split's ${split.images.length} pixels into ${split.count} images; pass height × width`);
  }
  const rows: number[] = [];
  for (let i = 0; i < split.count && rows.length < max; i++) if (split.labels[i] === classIndex) rows.push(i);
  const images = new Uint8Array(rows.length * imageSize);
  rows.forEach((row, i) => images.set(split.images.subarray(row * imageSize, (row + 1) * imageSize), i * imageSize));
  return images;
}

/**
 * Formats a short summary: name, image size, source, and a table of image counts per
 * split (rows) and class (columns), for example
 *
 *     split  normal  pneumonia  total
 *     train    1032       2970   4002
 */
export function describeDataset(ds: ImageDataset): string {
  const header = ['split', ...ds.classNames, 'total'];
  const rows: string[][] = [];
  for (const splitName of SPLIT_NAMES) {
    const split = ds.splits[splitName];
    if (split === undefined) continue;
    const counts = classCounts(split, ds.classNames.length);
    rows.push([splitName, ...counts.map(String), String(split.count)]);
  }

  // Pad each column to its widest cell: the split name left-aligned, the counts right-aligned.
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column].length)));
  const formatRow = (row: string[]) =>
    row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');

  const title = `${ds.name}: ${ds.height}×${ds.width} grayscale, ${ds.classNames.length} classes (${ds.source})`;
  return [title, formatRow(header), ...rows.map(formatRow)].join('\n');
}

/**
 * Checks a dataset's invariants and throws naming the first violation. Height and
 * width must be positive integers and class names unique and non-empty. Each split
 * needs count × height × width image bytes and one label per image, and every label
 * must be an integer in [0, classNames.length). A class with no training images is
 * allowed but logged once as a warning, because a model cannot learn it.
 */
export function validateImageDataset(ds: ImageDataset): void {
  const fail = (detail: string): never => {
    throw new Error(`validateImageDataset: dataset '${ds.name}' from ${ds.source}: ${detail}`);
  };

  for (const dim of ['height', 'width'] as const) {
    if (!Number.isInteger(ds[dim]) || ds[dim] < 1) fail(`\`${dim}\` must be a positive integer, got ${ds[dim]}`);
  }
  if (ds.classNames.length < 1) fail('`classNames` is empty; a dataset needs at least one class');
  if (new Set(ds.classNames).size !== ds.classNames.length || ds.classNames.some((c) => c === '')) {
    fail(`class names must be unique and non-empty, got ${JSON.stringify(ds.classNames)}`);
  }
  if (ds.splits.train === undefined) fail('the train split is missing');

  const pixelsPerImage = ds.height * ds.width;
  for (const splitName of SPLIT_NAMES) {
    const split = ds.splits[splitName];
    if (split === undefined) continue;
    if (!Number.isInteger(split.count) || split.count < 0) fail(`${splitName} count must be a non-negative integer, got ${split.count}`);
    if (split.labels.length !== split.count) {
      fail(`${splitName} has ${split.count} images but ${split.labels.length} labels`);
    }
    if (split.images.length !== split.count * pixelsPerImage) {
      fail(
        `${splitName} images hold ${split.images.length} bytes, expected ${split.count} × ${ds.height} × ${ds.width} = ` +
          `${split.count * pixelsPerImage}`,
      );
    }
    for (let i = 0; i < split.count; i++) {
      const label = split.labels[i];
      if (label < 0 || label >= ds.classNames.length) {
        fail(`${splitName} label ${label} at index ${i} is outside [0, ${ds.classNames.length}) for classes ${JSON.stringify(ds.classNames)}`);
      }
    }
  }

  const trainCounts = classCounts(ds.splits.train, ds.classNames.length);
  trainCounts.forEach((count, k) => {
    if (count > 0) return;
    log.warnOnce(
      `empty-class:${ds.source}:${ds.classNames[k]}`,
      `validateImageDataset: class '${ds.classNames[k]}' of dataset '${ds.name}' has no training images; ` +
        'a model trained on this set cannot generate or recognise it',
    );
  });
}
