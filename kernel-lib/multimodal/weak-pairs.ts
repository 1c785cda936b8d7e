import { ImageSplit } from '../data/image-dataset';
import { Random } from '../util/random';

/**
 * Weak image–report pairing. Without a paired report + image set, each image is paired with
 * a real report of the same class (e.g. a "normal" report with a normal image): the pair
 * shares its label, not its patient. The text therefore carries the label. That suits
 * report-conditioned generation, finding agreement and retrieval measured as label
 * agreement, but not exact-pair recall or a missing-modality study.
 */

/** A report that can be paired: its text and the image class it stands for. */
export interface PairableReport {
  id: string;
  text: string;
  /** Index into the image dataset's classes. */
  imageClass: number;
}

/** Pairs of one split: row i is image i of `images` with report `reportIndex[i]`. */
export interface WeakPairs {
  /** uint8 pixels, [count, height, width]. */
  images: Uint8Array;
  /** Class of each pair, [count]. */
  labels: Int32Array;
  /** Index into the reports given, [count]; reports repeat when a class has fewer reports than images. */
  reportIndex: Int32Array;
  count: number;
}

export interface PairImagesOptions {
  /** Number of image classes. */
  numClasses: number;
  /** Class names, for messages. */
  classNames: readonly string[];
  seed: number;
  /** Keep at most this many images per class (drawn with the seed); default all. */
  maxImagesPerClass?: number;
  /** Split name, for messages. */
  splitName?: string;
}

/**
 * Pairs every image of `split` (or a seeded subset per class) with a report of its class.
 * Within a class, reports are dealt out in a seeded shuffled order and reshuffled when all
 * have been used, so each report is used equally often (±1). Throws when a class with images
 * has no report.
 */
export function pairImagesWithReports(split: ImageSplit, imageSize: number, reports: readonly PairableReport[], options: PairImagesOptions): WeakPairs {
  const { numClasses, classNames } = options;
  const where = options.splitName ? ` in the ${options.splitName} split` : '';
  const rng = new Random(options.seed);
  const reportsByClass: number[][] = Array.from({ length: numClasses }, () => []);
  reports.forEach((report, index) => {
    if (!Number.isInteger(report.imageClass) || report.imageClass < 0 || report.imageClass >= numClasses) {
      throw new Error(`pairImagesWithReports: report '${report.id}' has class ${report.imageClass}, not one of 0 … ${numClasses - 1}; map reports to image classes first`);
    }
    reportsByClass[report.imageClass].push(index);
  });

  // 1. Images per class, in split order, then a seeded subset when capped.
  const imagesByClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < split.count; i++) imagesByClass[split.labels[i]].push(i);
  const cap = options.maxImagesPerClass ?? Infinity;
  const chosen: number[] = [];
  imagesByClass.forEach((indices, c) => {
    if (indices.length > 0 && reportsByClass[c].length === 0) {
      throw new Error(
        `pairImagesWithReports: class '${classNames[c]}' has ${indices.length} images but no reports${where}; ` +
          'add reports of that class or leave its images out',
      );
    }
    const subset = indices.length > cap ? Array.from(rng.permutation(indices.length), (k) => indices[k]).slice(0, cap).sort((a, b) => a - b) : indices;
    chosen.push(...subset);
  });
  chosen.sort((a, b) => a - b);

  // 2. Deal reports within each class from reshuffled decks.
  const decks: number[][] = reportsByClass.map(() => []);
  const count = chosen.length;
  const images = new Uint8Array(count * imageSize);
  const labels = new Int32Array(count);
  const reportIndex = new Int32Array(count);
  chosen.forEach((imageRow, i) => {
    const c = split.labels[imageRow];
    if (decks[c].length === 0) decks[c] = Array.from(rng.permutation(reportsByClass[c].length), (k) => reportsByClass[c][k]);
    reportIndex[i] = decks[c].pop() as number;
    labels[i] = c;
    images.set(split.images.subarray(imageRow * imageSize, (imageRow + 1) * imageSize), i * imageSize);
  });
  return { images, labels, reportIndex, count };
}
