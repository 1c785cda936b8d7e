import { ImageSplit } from '../data/image-dataset';
import { loadImageDataset } from '../data/registry';
import { makeChestPhantomDataset } from '../data/phantom';
import { chestPhantomReports } from '../data/phantom-reports';
import { loadIuXrayReports, reportText, splitReportsByUid, weakImageClass, WEAK_IMAGE_CLASSES } from '../text/iu-xray';
import { log } from '../util/log';
import { PairableReport, pairImagesWithReports, WeakPairs } from './weak-pairs';

/**
 * Image–report pairs for the report experiments, from one of two sources:
 *
 * - `iu-xray`: PneumoniaMNIST images weakly paired with real Indiana University chest X-ray
 *   reports by class (see weak-pairs.ts). Reports are split by study, so no report is in two
 *   splits. Normal reports go with normal images, and reports whose problem terms include
 *   pneumonia, consolidation or airspace disease go with pneumonia images.
 * - `phantom`: the built-in chest phantoms, each with its own templated report (exact pairs),
 *   for the offline demo and the tests.
 */
export const REPORT_PAIR_SPLITS = ['train', 'validation', 'test'] as const;
export type ReportPairSplit = (typeof REPORT_PAIR_SPLITS)[number];

export interface PairedSplit {
  pairs: WeakPairs;
  /** Reports that the pairs index; each appears once. */
  reports: PairableReport[];
}

export interface ReportImageData {
  classNames: string[];
  height: number;
  width: number;
  /** 'weak' when a pair shares only its class, 'exact' when a report was written for its image. */
  pairing: 'weak' | 'exact';
  /** Description of the pairing, for model files and reports. */
  pairingNote: string;
  splits: Record<ReportPairSplit, PairedSplit>;
  source: string;
  license: string;
}

export type ReportImageSource =
  | { kind: 'iu-xray'; reportsDir: string; images: string; maxImagesPerClass?: number }
  | { kind: 'phantom'; size?: number; counts?: Record<'train' | 'val' | 'test', number[]> };

/** Loads and pairs images and reports; `seed` fixes the report split and the pairing. */
export function loadReportImageData(source: ReportImageSource, seed: number): ReportImageData {
  return source.kind === 'iu-xray' ? loadIuXrayPairs(source, seed) : loadPhantomPairs(source, seed);
}

function loadIuXrayPairs(source: Extract<ReportImageSource, { kind: 'iu-xray' }>, seed: number): ReportImageData {
  // Reports first: a wrong report folder is reported before the images are read.
  const usable = loadIuXrayReports(source.reportsDir).filter((report) => weakImageClass(report) !== null && reportText(report) !== '');
  const dataset = loadImageDataset(source.images);
  const classNames: string[] = [...WEAK_IMAGE_CLASSES];
  if (dataset.classNames.length !== classNames.length || dataset.classNames.some((name, i) => name !== classNames[i])) {
    throw new Error(
      `loadReportImageData: images ${source.images} have classes ${JSON.stringify(dataset.classNames)}; ` +
        `weak report pairing needs ${JSON.stringify(classNames)} (PneumoniaMNIST)`,
    );
  }

  const split = splitReportsByUid(usable, { train: 0.7, validation: 0.1, test: 0.2 }, seed);
  // The impression states the conclusion, so it goes first and survives truncation to the encoder's context.
  const toPairable = (reports: typeof usable): PairableReport[] =>
    reports.map((r) => ({ id: String(r.uid), text: reportText({ findings: r.impression, impression: r.findings }), imageClass: classNames.indexOf(weakImageClass(r) as string) }));

  const imageSplits: Record<ReportPairSplit, ImageSplit | undefined> = { train: dataset.splits.train, validation: dataset.splits.val, test: dataset.splits.test };
  const splits = {} as Record<ReportPairSplit, PairedSplit>;
  REPORT_PAIR_SPLITS.forEach((name, k) => {
    const images = imageSplits[name];
    if (!images) throw new Error(`loadReportImageData: ${source.images} has no ${name} split; use a MedMNIST file with train, val and test`);
    const reports = toPairable(split[name]);
    const pairs = pairImagesWithReports(images, dataset.height * dataset.width, reports, {
      numClasses: classNames.length,
      classNames,
      seed: seed + 1 + k,
      maxImagesPerClass: source.maxImagesPerClass,
      splitName: name,
    });
    splits[name] = { pairs, reports };
  });

  const counts = REPORT_PAIR_SPLITS.map((name) => `${name} ${splits[name].reports.length} reports / ${splits[name].pairs.count} images`).join(', ');
  log.info(`weak report pairing: ${counts}`);
  return {
    classNames,
    height: dataset.height,
    width: dataset.width,
    pairing: 'weak',
    pairingNote:
      'weak pairing by class: PneumoniaMNIST images with Indiana University reports of the same class ' +
      "(Problems 'normal' → normal; Pneumonia, Consolidation or Airspace Disease → pneumonia), reports split by study",
    splits,
    source: `${source.images} + ${source.reportsDir}`,
    license: `images: ${dataset.license ?? 'see the dataset'}; reports: CC BY-NC-ND 4.0 (derived models and outputs must stay outside the repository)`,
  };
}

function loadPhantomPairs(source: Extract<ReportImageSource, { kind: 'phantom' }>, seed: number): ReportImageData {
  const dataset = makeChestPhantomDataset({ seed, size: source.size, counts: source.counts });
  const splits = {} as Record<ReportPairSplit, PairedSplit>;
  const imageSplits: Record<ReportPairSplit, ImageSplit | undefined> = { train: dataset.splits.train, validation: dataset.splits.val, test: dataset.splits.test };
  REPORT_PAIR_SPLITS.forEach((name, k) => {
    const images = imageSplits[name] as ImageSplit;
    const texts = chestPhantomReports(images.labels, dataset.classNames, seed + 1 + k);
    const reports = texts.map((text, i) => ({ id: `${name}-${i}`, text, imageClass: images.labels[i] }));
    const pairs: WeakPairs = { images: images.images, labels: images.labels, reportIndex: Int32Array.from({ length: images.count }, (_, i) => i), count: images.count };
    splits[name] = { pairs, reports };
  });
  return {
    classNames: dataset.classNames,
    height: dataset.height,
    width: dataset.width,
    pairing: 'exact',
    pairingNote: 'exact pairs: each generated chest phantom with the templated report written for it',
    splits,
    source: dataset.source,
    license: dataset.license ?? 'generated',
  };
}
