import { checkImageDataset, formatDataCheck } from '../../data/data-check';
import { ImageSplit } from '../../data/image-dataset';
import { tileImages, writeGrayPng } from '../../io/png';
import { StageContext } from '../context';
import { makeDirectory } from '../../util/make-directory';
import { writeRealImageSplits } from './real-splits';

/**
 * Records the data the run uses: class counts per split (after `rareTrainCount`), the
 * duplicate and conflicting-label check of the full splits, and a grid of real training
 * images per class. The real training images per class, and the left-out images of each rare
 * class, go to `real/` as `.npz` for the release gate.
 */
export function runDataStage(ctx: StageContext): void {
  const { dataset, classCounts, fullTrain } = ctx.data;
  // Checked before rareTrainCount, so duplicates that involve a dropped training image still show.
  const report = checkImageDataset({ ...dataset, splits: { ...dataset.splits, train: fullTrain } });
  ctx.say(formatDataCheck(report));
  makeDirectory(ctx.run.path('real'));
  const realFiles = writeRealImageSplits(ctx.data, (fileName) => ctx.run.path('real', fileName));
  ctx.run.writeJson(
    {
      classNames: dataset.classNames,
      classCounts,
      positiveClass: dataset.classNames[ctx.data.positiveClass],
      rareClasses: ctx.data.rareClasses.map((k) => dataset.classNames[k]),
      dataCheck: report,
      realFiles,
    },
    'data.json',
  );

  const train = dataset.splits.train as ImageSplit;
  const size = dataset.height * dataset.width;
  dataset.classNames.forEach((className, k) => {
    const rows = Array.from(train.labels).flatMap((label, row) => (label === k ? [row] : [])).slice(0, 36);
    if (rows.length === 0) return;
    const images = new Uint8Array(rows.length * size);
    rows.forEach((row, i) => images.set(train.images.subarray(row * size, (row + 1) * size), i * size));
    const grid = tileImages(images, rows.length, dataset.height, dataset.width, 6);
    const safeName = className.replace(/[^A-Za-z0-9_-]+/g, '-');
    writeGrayPng(ctx.run.path(`real_grid_${safeName}.png`), grid.pixels, grid.width, grid.height, { Software: 'medsynth', Comment: `REAL training images of class ${className}` });
  });
}
