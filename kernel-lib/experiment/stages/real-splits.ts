/**
 * The real images of a run in the layout of its synthetic `.npz` files, as inputs for
 * `medsynth release` and privacy audits:
 *
 * - `real/real_train_<class>.npz`: the training images of each class that the run used (after
 *   `rareTrainCount`): the members of the diffusion model's training set.
 * - `real/real_holdout_<class>.npz`, for each rare class: the training images of that class that
 *   `rareTrainCount` left out, without any image whose bytes equal a used training image. They come
 *   from the same distribution but were never trained on: the non-members of a membership attack.
 *
 * Each archive has `images` [count, height, width] uint8, `labels` [count] and `synthetic` [count] = 0.
 */
import { createHash } from 'crypto';
import { ImageSplit } from '../../data/image-dataset';
import { saveNpz } from '../../data/npz-writer';
import { ExperimentData } from '../prepare-data';

export interface RealSplitFile {
  className: string;
  role: 'train' | 'holdout';
  /** Path relative to the run directory. */
  file: string;
  count: number;
  /** Left-out images dropped because their bytes equal a training image (holdout only). */
  duplicatesDropped: number;
}

/** Class name as it appears in file names: letters, digits, `_` and `-`. */
export function fileSafeClassName(className: string): string {
  return className.replace(/[^A-Za-z0-9_-]+/g, '-');
}

function imageHash(split: ImageSplit, row: number, size: number): string {
  return createHash('sha1').update(split.images.subarray(row * size, (row + 1) * size)).digest('hex');
}

function rowsOfClass(split: ImageSplit, classIndex: number): number[] {
  const rows: number[] = [];
  for (let row = 0; row < split.count; row++) if (split.labels[row] === classIndex) rows.push(row);
  return rows;
}

function saveRows(filePath: string, split: ImageSplit, rows: number[], height: number, width: number): void {
  const size = height * width;
  const images = new Uint8Array(rows.length * size);
  const labels = new Int32Array(rows.length);
  rows.forEach((row, i) => {
    images.set(split.images.subarray(row * size, (row + 1) * size), i * size);
    labels[i] = split.labels[row];
  });
  saveNpz(filePath, {
    images: { data: images, shape: [rows.length, height, width] },
    labels: { data: labels, shape: [rows.length] },
    synthetic: { data: new Uint8Array(rows.length), shape: [rows.length] },
  });
}

/**
 * Writes the real training images per class and the left-out holdout images per rare class,
 * each through `pathOf(fileName)`, and returns what was written. A rare class whose training
 * images were not reduced gets no holdout file.
 */
export function writeRealImageSplits(data: ExperimentData, pathOf: (fileName: string) => string): RealSplitFile[] {
  const { dataset, fullTrain } = data;
  const train = dataset.splits.train;
  const size = dataset.height * dataset.width;
  const written: RealSplitFile[] = [];
  dataset.classNames.forEach((className, k) => {
    const rows = rowsOfClass(train, k);
    if (rows.length === 0) return;
    const file = `real_train_${fileSafeClassName(className)}.npz`;
    saveRows(pathOf(file), train, rows, dataset.height, dataset.width);
    written.push({ className, role: 'train', file: `real/${file}`, count: rows.length, duplicatesDropped: 0 });
  });

  const trainHashes = new Set<string>();
  for (let row = 0; row < train.count; row++) trainHashes.add(imageHash(train, row, size));
  for (const k of data.rareClasses) {
    const className = dataset.classNames[k];
    const candidates = rowsOfClass(fullTrain, k);
    // Rows are compared by content because the reduction does not record which rows it kept.
    const holdout = candidates.filter((row) => !trainHashes.has(imageHash(fullTrain, row, size)));
    const duplicatesDropped = candidates.length - holdout.length - rowsOfClass(train, k).length;
    if (holdout.length === 0) continue;
    const file = `real_holdout_${fileSafeClassName(className)}.npz`;
    saveRows(pathOf(file), fullTrain, holdout, dataset.height, dataset.width);
    written.push({ className, role: 'holdout', file: `real/${file}`, count: holdout.length, duplicatesDropped });
  }
  return written;
}
