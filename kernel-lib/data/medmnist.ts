/**
 * Loader for MedMNIST v2 2D `.npz` files (https://medmnist.com/): keys
 * `{train,val,test}_images` holding uint8 `[count, height, width]` or
 * `[count, height, width, 1]`, and `{train,val,test}_labels` holding `[count, 1]` or
 * `[count]` class indices. Only grayscale single-label sets are supported.
 */
import * as path from 'path';
import { ImageDataset, ImageSplit, SPLIT_NAMES, SplitName, validateImageDataset } from './image-dataset';
import { NpyArray } from './npy';
import { loadNpz } from './npz';

export interface MedMnistOptions {
  /** Dataset name; defaults to the file name without `.npz`. */
  name?: string;
  /** Class names in label order; defaults to '0', '1', … up to the largest label. */
  classNames?: string[];
}

/**
 * Loads a MedMNIST `.npz` file into an ImageDataset. The train split is required,
 * val and test are optional. Throws for RGB or other non-grayscale images, non-uint8
 * images, multi-label arrays, label counts that differ from image counts, image sizes
 * that differ between splits, and labels outside the class list.
 */
export function loadMedMnist(filePath: string, options: MedMnistOptions = {}): ImageDataset {
  const arrays = loadNpz(filePath);
  const source = path.resolve(filePath);
  const fail = (detail: string): never => {
    throw new Error(`loadMedMnist: ${source}: ${detail}`);
  };

  if (!arrays.has('train_images') || !arrays.has('train_labels')) {
    fail(
      `missing 'train_images' or 'train_labels'; the archive has keys ${JSON.stringify([...arrays.keys()])}, ` +
        'expected the MedMNIST keys train_images, train_labels, val_images, val_labels, test_images, test_labels',
    );
  }

  // 1. Images and labels of each split present, all of one image size.
  let size: [number, number] | undefined;
  const splits: Partial<Record<SplitName, ImageSplit>> = {};
  for (const splitName of SPLIT_NAMES) {
    const images = arrays.get(`${splitName}_images`);
    const labels = arrays.get(`${splitName}_labels`);
    if (images === undefined && labels === undefined) continue;
    if (images === undefined || labels === undefined) {
      return fail(`split '${splitName}' has ${images ? 'images but no labels' : 'labels but no images'}`);
    }

    const [count, height, width] = checkImages(images, splitName, fail);
    if (size === undefined) size = [height, width];
    if (height !== size[0] || width !== size[1]) {
      fail(`${splitName} images are ${height}×${width} but train images are ${size[0]}×${size[1]}`);
    }
    splits[splitName] = { images: images.data as Uint8Array, labels: checkLabels(labels, count, splitName, fail), count };
  }

  // 2. Class names: given, or one per label value up to the largest.
  let classNames = options.classNames;
  if (classNames === undefined) {
    let maxLabel = 0;
    for (const split of Object.values(splits)) for (const label of split.labels) maxLabel = Math.max(maxLabel, label);
    classNames = Array.from({ length: maxLabel + 1 }, (_, k) => String(k));
  }
  for (const [splitName, split] of Object.entries(splits)) {
    const index = split.labels.findIndex((label) => label >= classNames!.length);
    if (index >= 0) {
      fail(
        `${splitName} label ${split.labels[index]} at index ${index} is outside the ${classNames.length} classes ` +
          `${JSON.stringify(classNames)}; pass the full class list in \`classNames\``,
      );
    }
  }

  const dataset: ImageDataset = {
    name: options.name ?? path.basename(filePath).replace(/\.npz$/i, ''),
    height: size![0],
    width: size![1],
    classNames,
    splits: { train: splits.train!, val: splits.val, test: splits.test },
    source,
  };
  if (dataset.splits.val === undefined) delete dataset.splits.val;
  if (dataset.splits.test === undefined) delete dataset.splits.test;
  validateImageDataset(dataset);
  return dataset;
}

/** Checks a uint8 `[count, height, width]` or `[count, height, width, 1]` array; returns [count, height, width]. */
function checkImages(images: NpyArray, splitName: string, fail: (detail: string) => never): [number, number, number] {
  const shape = images.shape;
  if (shape.length === 4 && shape[3] === 3) {
    fail(`${splitName}_images has shape (${shape.join(', ')}): RGB images are not supported, only grayscale`);
  }
  const grayscale = shape.length === 3 || (shape.length === 4 && shape[3] === 1);
  if (!grayscale) {
    fail(`${splitName}_images has shape (${shape.join(', ')}), expected (count, height, width) or (count, height, width, 1)`);
  }
  if (images.dtype !== 'uint8') fail(`${splitName}_images has dtype ${images.dtype}, expected uint8`);
  return [shape[0], shape[1], shape[2]];
}

/** Converts `[count, 1]` or `[count]` integer labels to an Int32Array of `imageCount` labels. */
function checkLabels(labels: NpyArray, imageCount: number, splitName: string, fail: (detail: string) => never): Int32Array {
  const shape = labels.shape;
  if (shape.length === 2 && shape[1] > 1) {
    fail(`${splitName}_labels has shape (${shape.join(', ')}): multi-label sets are not supported, only one label per image`);
  }
  if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
    fail(`${splitName}_labels has shape (${shape.join(', ')}), expected (count, 1) or (count,)`);
  }
  if (shape[0] !== imageCount) fail(`${splitName} has ${imageCount} images but ${shape[0]} labels`);

  const out = new Int32Array(imageCount);
  for (let i = 0; i < imageCount; i++) {
    const label = labels.data[i];
    if (!Number.isInteger(label) || label < 0 || label > 0x7fffffff) {
      fail(`${splitName}_labels[${i}] is ${label}; labels must be integers in [0, 2^31)`);
    }
    out[i] = label;
  }
  return out;
}
