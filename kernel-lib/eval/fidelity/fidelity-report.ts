/**
 * Fidelity report of an experiment run: how close the accepted synthetic images of each rare
 * class are to real images of that class, and whether any copy a training image.
 *
 * For every rare class and generation seed, in the space of one feature extractor:
 * - FID(synthetic, real test) beside the floor FID(real training, real test). The floor is the
 *   distance between two real samples of the class, the value a perfect generator would reach.
 *   FID is biased upward at small n, so both use the same sample size n = min(synthetic, real
 *   test, real training images of the class) on seeded subsets, and share the test subset.
 *   Each has a 95% percentile bootstrap interval that resamples every set with replacement.
 * - KID(synthetic, real test), precision and recall (k-NN manifolds, on the same subsets as
 *   FID), and the task classifier's confidence in the intended class.
 * - Memorisation: each synthetic image's nearest image of the diffusion model's training split
 *   in pixel and feature space, and PNG galleries of the closest pairs and of the least
 *   plausible images.
 *
 * Files go to `<run>/fidelity/` (or `outDir`): fidelity.json, galleries and per-image records.
 * The domain feature extractor is kept at `<run>/fidelity/feature-extractor.safetensors` and
 * reused when present.
 */
import * as fs from 'fs';
import { makeDirectory } from '../../util/make-directory';
import * as path from 'path';
import { predictProbabilities } from '../../classify/predict';
import { ClassifierConfig } from '../../classify/cnn';
import { imagesOfClass, ImageSplit } from '../../data/image-dataset';
import { loadNpz } from '../../data/npz';
import { parseExperimentConfig } from '../../experiment/config';
import { ExperimentData, prepareExperimentData } from '../../experiment/prepare-data';
import { RunDirectory } from '../../experiment/run-dir';
import { loadClassifier } from '../../experiment/stages/classifier-io';
import { FILTER_CLASSIFIER_FILE } from '../../experiment/stages/filter-classifier';
import { Params, disposeParams } from '../../nets/params';
import { writeJsonAtomic } from '../../util/atomic-write';
import { log } from '../../util/log';
import { Random } from '../../util/random';
import { classConfidence } from './class-confidence';
import {
  DomainExtractorTraining,
  EXTRACTOR_INPUT_RANGES,
  ExtractorInputRange,
  FeatureExtractor,
  FeatureExtractorKind,
  loadTfjsFeatureExtractor,
  openDomainFeatureExtractor,
} from './feature-extractor';
import { FeatureRows, selectFeatureRows } from './feature-rows';
import { bootstrapFrechetDistances, IntervalEstimate } from './frechet-bootstrap';
import { kernelDistance } from './kernel-distance';
import {
  gatherImages,
  nearestFeatureRows,
  nearestImagesInPixelSpace,
  rankRows,
  writeImageGallery,
  writePairGallery,
} from './memorisation';
import { DEFAULT_NEIGHBOURHOOD_SIZE, kthNeighbourDistances, manifoldPrecisionRecall } from './precision-recall';

export const FIDELITY_DIR = 'fidelity';
/** Domain extractor file, relative to the run directory. */
export const FEATURE_EXTRACTOR_FILE = path.join(FIDELITY_DIR, 'feature-extractor.safetensors');
export const FIDELITY_REPORT_FILE = 'fidelity.json';

/**
 * Feature count up to which the Jacobi eigendecompositions of FID stay fast: one 256 × 256
 * decomposition took about 1 s on a 2-core x86-64 machine with Node 20, against 0.05 s at 64.
 */
const MAX_FAST_FEATURES = 256;

/** Steps that report progress, in the order they run. */
export const FIDELITY_PHASES = ['extractor', 'features', 'bootstrap', 'memorisation'] as const;
export type FidelityPhase = (typeof FIDELITY_PHASES)[number];

export interface FidelityProgress {
  phase: FidelityPhase;
  /** Units done in this phase: epochs, feature sets, bootstrap resamples or images. */
  completed: number;
  total: number;
  /** Subject of the phase, e.g. "effusion, seed 0". */
  detail: string;
}

/** Kinds of gallery written per rare class and seed. */
export const GALLERY_KINDS = ['closest-pixel', 'closest-feature', 'least-confident', 'outliers'] as const;
export type GalleryKind = (typeof GALLERY_KINDS)[number];

export interface FidelityReportOptions {
  /** Generation seeds to evaluate (default: every seed of the run). */
  generationSeeds?: number[];
  /** model.json of a TF.js layers or graph model to use as the feature extractor (default: the domain CNN). */
  extractorPath?: string;
  /** Layer or node of `extractorPath` whose output gives the features (default: the model output). */
  extractorLayer?: string;
  /** Pixel range `extractorPath` expects (default '[-1,1]'). */
  extractorInputRange?: ExtractorInputRange;
  /** Recipe of the domain extractor when it has to be trained (seed default: the run's seed). */
  extractorTraining?: Partial<DomainExtractorTraining>;
  /** Train the domain extractor again even when the run has one. */
  retrainExtractor?: boolean;
  /** Bootstrap resamples of each FID interval (default 200). */
  bootstrapResamples?: number;
  /** Confidence level of the intervals (default 0.95). */
  confidenceLevel?: number;
  /** Neighbourhood size of precision, recall and the outlier score (default 3). */
  k?: number;
  /** KID subsets (default 100). */
  kidSubsets?: number;
  /** Largest KID subset size (default 1000; the smaller set caps it). */
  kidMaxSubsetSize?: number;
  /** Images per gallery (default 16). */
  galleryCount?: number;
  /** Seed of every subset and resample draw (default: the run's seed). */
  randomSeed?: number;
  /** Output folder (default `<run>/fidelity`). */
  outDir?: string;
  onProgress?: (progress: FidelityProgress) => void;
}

export interface GalleryRecord {
  kind: GalleryKind;
  /** PNG file name in the output folder. */
  file: string;
  description: string;
  /** Tiles in order: the synthetic row, its training row (pair galleries only), and the ranking value. */
  items: { syntheticRow: number; trainRow?: number; value: number }[];
}

/** Metrics of one rare class and generation seed. */
export interface FidelityResult {
  className: string;
  classIndex: number;
  seed: number;
  counts: {
    /** Accepted synthetic images of the class for this seed. */
    synthetic: number;
    realTest: number;
    /** Every real training image of the class in the dataset file. */
    realTrainAll: number;
    /** Real training images of the class the diffusion model was trained on. */
    realTrainUsed: number;
  };
  /** Images per set behind FID, its floor, precision and recall. */
  sampleSize: number;
  /** FID(synthetic, real test), or null with `notes` saying why. */
  fid: IntervalEstimate | null;
  /** FID(real training, real test) at the same sample size: the value of a perfect generator. */
  fidFloor: IntervalEstimate | null;
  kid: { mean: number; std: number; numSubsets: number; subsetSize: number } | null;
  precision: number | null;
  recall: number | null;
  k: number;
  classConfidence: {
    /** Mean task-classifier probability of the intended class over the synthetic images. */
    meanProbability: number;
    minProbability: number;
    /** exp(E[KL(p(y|x) || p(y))]) over the synthetic images. */
    inceptionScore: number;
    /** The same mean over the real test images of the class, for reference. */
    realTestMeanProbability: number | null;
  } | null;
  memorisation: {
    /** Distance below which the generation stage rejected images as copies (pixels / 255), if recorded. */
    memorizationDistance: number | null;
    closerThanMemorizationDistance: number | null;
    /** Smallest distance to a training image, in pixel space (pixels / 255) and feature space. */
    minPixelDistance: number | null;
    minFeatureDistance: number | null;
    /** Images the task classifier gives less than the run's `generation.minProbability`. */
    belowMinProbability: number;
    /** Per-image records in the output folder. */
    perImageFile: string | null;
    galleries: GalleryRecord[];
  };
  /** Reasons a metric is missing or doubtful. */
  notes: string[];
}

export interface FidelityReport {
  runDir: string;
  featureSpace: {
    kind: FeatureExtractorKind;
    description: string;
    numFeatures: number;
    /** Extractor file: the domain extractor's safetensors or the TF.js model.json. */
    file: string;
    /** True when this call trained the domain extractor. */
    trainedNow: boolean;
  };
  settings: {
    generationSeeds: number[];
    bootstrapResamples: number;
    confidenceLevel: number;
    k: number;
    kidSubsets: number;
    kidMaxSubsetSize: number;
    galleryCount: number;
    randomSeed: number;
  };
  results: FidelityResult[];
  /** Warnings logged while computing the report. */
  warnings: string[];
}

/** Options after defaults, checked. */
interface Settings extends Required<Omit<FidelityReportOptions, 'generationSeeds' | 'extractorPath' | 'extractorLayer' | 'extractorTraining' | 'randomSeed' | 'outDir' | 'onProgress'>> {
  randomSeed: number | undefined;
}

function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`fidelityReport: \`${name}\` must be an integer >= ${min}, got ${value}`);
  }
}

function validateOptions(options: FidelityReportOptions): Settings {
  const settings: Settings = {
    extractorInputRange: options.extractorInputRange ?? '[-1,1]',
    retrainExtractor: options.retrainExtractor ?? false,
    bootstrapResamples: options.bootstrapResamples ?? 200,
    confidenceLevel: options.confidenceLevel ?? 0.95,
    k: options.k ?? DEFAULT_NEIGHBOURHOOD_SIZE,
    kidSubsets: options.kidSubsets ?? 100,
    kidMaxSubsetSize: options.kidMaxSubsetSize ?? 1000,
    galleryCount: options.galleryCount ?? 16,
    randomSeed: options.randomSeed,
  };
  checkInteger('bootstrapResamples', settings.bootstrapResamples, 1);
  checkInteger('k', settings.k, 1);
  checkInteger('kidSubsets', settings.kidSubsets, 1);
  checkInteger('kidMaxSubsetSize', settings.kidMaxSubsetSize, 2);
  checkInteger('galleryCount', settings.galleryCount, 0);
  if (!(settings.confidenceLevel > 0 && settings.confidenceLevel < 1)) {
    throw new Error(`fidelityReport: \`confidenceLevel\` must be in (0, 1) such as 0.95, got ${settings.confidenceLevel}`);
  }
  if (!(EXTRACTOR_INPUT_RANGES as readonly string[]).includes(settings.extractorInputRange)) {
    throw new Error(`fidelityReport: \`extractorInputRange\` must be one of ${EXTRACTOR_INPUT_RANGES.join(', ')}, got '${settings.extractorInputRange}'`);
  }
  if (settings.randomSeed !== undefined && !Number.isInteger(settings.randomSeed)) {
    throw new Error(`fidelityReport: \`randomSeed\` must be an integer, got ${settings.randomSeed}`);
  }
  if (options.extractorPath !== undefined && (typeof options.extractorPath !== 'string' || options.extractorPath === '')) {
    throw new Error(`fidelityReport: \`extractorPath\` must name a model.json, got ${JSON.stringify(options.extractorPath)}`);
  }
  return settings;
}

/** Opens a run directory, throwing with the fix for a missing folder or a folder without a run. */
function openRun(runDir: string): RunDirectory {
  if (typeof runDir !== 'string' || runDir === '') {
    throw new Error(`fidelityReport: \`runDir\` must name a run directory, got ${JSON.stringify(runDir)}`);
  }
  if (!fs.existsSync(runDir)) {
    throw new Error(`fidelityReport: run directory ${runDir} does not exist; pass a folder under experiments/runs/`);
  }
  if (!fs.statSync(runDir).isDirectory()) {
    throw new Error(`fidelityReport: ${runDir} is a file, not a run directory; pass a folder under experiments/runs/`);
  }
  try {
    return RunDirectory.open(runDir);
  } catch (err) {
    throw new Error(`fidelityReport: ${(err as Error).message}`);
  }
}

/** Returns the generation seeds to evaluate, each with a synthetic file, or throws with the fix. */
function resolveSeeds(run: RunDirectory, runSeeds: number[], requested: number[] | undefined): number[] {
  const fileOf = (seed: number) => run.path('synthetic', `synthetic_seed${seed}.npz`);
  const available = runSeeds.filter((seed) => fs.existsSync(fileOf(seed)));
  if (available.length === 0) {
    throw new Error(
      `fidelityReport: the run in ${run.dir} has no synthetic images (no synthetic/synthetic_seed<N>.npz for seeds ${runSeeds.join(', ')}); ` +
        `finish its generation stage with 'medsynth run --resume ${run.dir}'`,
    );
  }
  if (requested === undefined) return available;
  if (!Array.isArray(requested) || requested.length === 0) {
    throw new Error(`fidelityReport: \`generationSeeds\` must be a non-empty list of seeds, got ${JSON.stringify(requested)}`);
  }
  for (const seed of requested) {
    if (!available.includes(seed)) {
      throw new Error(`fidelityReport: generation seed ${seed} has no synthetic images in ${run.dir}; choose one of ${available.join(', ')}`);
    }
  }
  return [...requested];
}

/** Loads the accepted synthetic images of one seed, checking their size against the dataset. */
function loadSynthetic(run: RunDirectory, seed: number, height: number, width: number): { images: Uint8Array; labels: Int32Array } {
  const file = run.path('synthetic', `synthetic_seed${seed}.npz`);
  const arrays = loadNpz(file);
  const images = arrays.get('images');
  const labels = arrays.get('labels');
  if (!images || !labels || !(images.data instanceof Uint8Array)) {
    throw new Error(`fidelityReport: ${file} needs uint8 \`images\` and integer \`labels\` arrays; regenerate it with 'medsynth run --resume'`);
  }
  const [count, h, w] = images.shape;
  if (images.shape.length !== 3 || h !== height || w !== width || labels.data.length !== count) {
    throw new Error(
      `fidelityReport: ${file} contains images of shape [${images.shape}] with ${labels.data.length} labels, but the dataset's images are ${height} × ${width}; ` +
        'the synthetic file does not belong to this run',
    );
  }
  return { images: images.data, labels: Int32Array.from(labels.data as ArrayLike<number>) };
}

/** Distinct, reproducible seed for one (class, generation seed, purpose) triple. */
function deriveSeed(randomSeed: number, classIndex: number, generationSeed: number, purpose: number): number {
  return randomSeed * 1_000_003 + classIndex * 10_007 + generationSeed * 101 + purpose;
}

function firstRows(rng: Random, count: number, n: number): Int32Array {
  return rng.permutation(count).subarray(0, n);
}

function asRows(data: Float64Array, numFeatures: number): FeatureRows {
  return { data, count: data.length / numFeatures, numFeatures };
}

function safeName(className: string): string {
  return className.replace(/[^A-Za-z0-9_-]+/g, '-');
}

/** Real images and features of one rare class, shared by every seed. */
interface ClassReference {
  classIndex: number;
  className: string;
  test: FeatureRows;
  trainAll: FeatureRows;
  realTrainUsed: number;
  realTestMeanProbability: number | null;
}

/** Everything `evaluateClass` reads besides the class. */
interface EvaluationContext {
  run: RunDirectory;
  runName: string;
  data: ExperimentData;
  settings: Settings & { randomSeed: number };
  extractor: FeatureExtractor;
  filter: { config: ClassifierConfig; params: Params };
  /** Features of the diffusion model's training split, `[train.count, numFeatures]`. */
  trainFeatures: FeatureRows;
  memorizationDistance: number | null;
  minProbability: number;
  outDir: string;
  warnings: string[];
  progress: (progress: FidelityProgress) => void;
}

/**
 * Computes the fidelity report of the run in `runDir` (see the file comment), writes
 * fidelity.json, galleries and per-image records to the output folder, and returns the report.
 * Throws, naming the value and the fix, for a missing run, a run without synthetic images, an
 * unknown seed, or an extractor model that is missing or has the wrong input shape.
 */
export async function fidelityReport(runDir: string, options: FidelityReportOptions = {}): Promise<FidelityReport> {
  const checked = validateOptions(options);
  const run = openRun(runDir);
  const manifest = run.readJson<{ config: unknown }>('manifest.json');
  const config = parseExperimentConfig(manifest.config, run.path('manifest.json'));
  const generationSeeds = resolveSeeds(run, config.seeds, options.generationSeeds);
  const settings = { ...checked, randomSeed: checked.randomSeed ?? config.seed };
  const filterFile = run.path(FILTER_CLASSIFIER_FILE);
  if (!fs.existsSync(filterFile)) {
    throw new Error(`fidelityReport: ${filterFile} is missing, and the class confidence needs it; finish the run with 'medsynth run --resume ${run.dir}'`);
  }
  const outDir = path.resolve(options.outDir ?? run.path(FIDELITY_DIR));
  const progress = options.onProgress ?? (() => undefined);
  const warnings: string[] = [];

  // 1. An extractor model given by path is loaded first, so a bad path fails before any work.
  let extractor: FeatureExtractor | null = null;
  let extractorFile: string;
  let trainedNow = false;
  if (options.extractorPath !== undefined) {
    extractor = await loadTfjsFeatureExtractor(options.extractorPath, { layer: options.extractorLayer, inputRange: settings.extractorInputRange });
    extractorFile = path.resolve(options.extractorPath);
  } else {
    extractorFile = run.path(FEATURE_EXTRACTOR_FILE);
  }

  let filter: { config: ClassifierConfig; params: Params } | null = null;
  try {
    // 2. Real data, rebuilt from the run's config as the run built it.
    let data: ExperimentData;
    try {
      data = prepareExperimentData(config);
    } catch (err) {
      throw new Error(`fidelityReport: cannot reload the dataset of the run in ${run.dir}: ${(err as Error).message}`);
    }
    const { dataset, fullTrain } = data;
    const val = dataset.splits.val as ImageSplit;

    // 3. The domain extractor, trained on every real training image of every class.
    if (extractor === null) {
      const training = options.extractorTraining ?? {};
      const opened = openDomainFeatureExtractor({
        filePath: extractorFile,
        train: { pixels: fullTrain.images, labels: fullTrain.labels, height: dataset.height, width: dataset.width },
        validation: { pixels: val.images, labels: val.labels, height: dataset.height, width: dataset.width },
        numClasses: dataset.classNames.length,
        training: { ...training, seed: training.seed ?? config.seed },
        retrain: settings.retrainExtractor,
        trainedOn: `all ${fullTrain.count} real training images of ${dataset.name} (classes ${dataset.classNames.join(', ')})`,
        onProgress: (p) => progress({ phase: 'extractor', completed: p.epoch, total: p.maxEpochs, detail: `validation AUROC ${p.valAuroc.toFixed(3)}` }),
      });
      extractor = opened.extractor;
      trainedNow = opened.trained;
    }
    filter = loadClassifier(filterFile);
    if (extractor.numFeatures > MAX_FAST_FEATURES) {
      const message =
        `fidelityReport: the extractor gives ${extractor.numFeatures} features; FID takes O(features³) Jacobi eigendecompositions, ` +
        `3 per bootstrap resample, so ${settings.bootstrapResamples} resamples will take long. Use a layer with at most ${MAX_FAST_FEATURES} features or fewer resamples`;
      log.warn(message);
      warnings.push(message);
    }

    // 4. Features of the real images: test and all training images of each rare class, and the
    //    diffusion model's training split for the nearest-neighbour search.
    const size = dataset.height * dataset.width;
    const train = dataset.splits.train;
    const test = dataset.splits.test as ImageSplit;
    const totalSets = 2 * data.rareClasses.length + 1 + generationSeeds.length;
    let setsDone = 0;
    const extract = (images: Uint8Array, detail: string): FeatureRows => {
      const rows = asRows((extractor as FeatureExtractor).extract(images, dataset.height, dataset.width), (extractor as FeatureExtractor).numFeatures);
      progress({ phase: 'features', completed: ++setsDone, total: totalSets, detail });
      return rows;
    };
    const trainFeatures = extract(train.images, 'training split');
    const references: ClassReference[] = data.rareClasses.map((classIndex) => {
      const className = dataset.classNames[classIndex];
      const testImages = imagesOfClass(test, classIndex, size);
      const testProbabilities = testImages.length === 0 ? null : predictProbabilities(filter!.config, filter!.params, { pixels: testImages, height: dataset.height, width: dataset.width });
      return {
        classIndex,
        className,
        test: extract(testImages, `${className}, real test`),
        trainAll: extract(imagesOfClass(fullTrain, classIndex, size), `${className}, real training`),
        realTrainUsed: Array.from(train.labels).filter((label) => label === classIndex).length,
        realTestMeanProbability: testProbabilities === null ? null : classConfidence(testProbabilities, dataset.classNames.length, classIndex).meanProbability,
      };
    });

    // 5. One result per rare class and generation seed.
    const generation = fs.existsSync(run.path('generation.json')) ? run.readJson<{ memorizationDistance?: number }>('generation.json') : {};
    const context: EvaluationContext = {
      run,
      runName: config.name,
      data,
      settings,
      extractor,
      filter,
      trainFeatures,
      memorizationDistance: typeof generation.memorizationDistance === 'number' ? generation.memorizationDistance : null,
      minProbability: config.generation.minProbability,
      outDir,
      warnings,
      progress,
    };
    makeDirectory(outDir);
    const results: FidelityResult[] = [];
    for (const seed of generationSeeds) {
      const synthetic = loadSynthetic(run, seed, dataset.height, dataset.width);
      const syntheticFeatures = extract(synthetic.images, `synthetic, seed ${seed}`);
      for (const reference of references) {
        const rows = Array.from(synthetic.labels).flatMap((label, row) => (label === reference.classIndex ? [row] : []));
        results.push(
          evaluateClass(context, reference, seed, {
            rows,
            images: gatherImages(synthetic.images, rows, size),
            features: selectFeatureRows(syntheticFeatures, rows),
          }),
        );
      }
    }

    const report: FidelityReport = {
      runDir: run.dir,
      featureSpace: { kind: extractor.kind, description: extractor.description, numFeatures: extractor.numFeatures, file: extractorFile, trainedNow },
      settings: {
        generationSeeds,
        bootstrapResamples: settings.bootstrapResamples,
        confidenceLevel: settings.confidenceLevel,
        k: settings.k,
        kidSubsets: settings.kidSubsets,
        kidMaxSubsetSize: settings.kidMaxSubsetSize,
        galleryCount: settings.galleryCount,
        randomSeed: settings.randomSeed,
      },
      results,
      warnings,
    };
    writeJsonAtomic(path.join(outDir, FIDELITY_REPORT_FILE), report);
    return report;
  } finally {
    if (filter) disposeParams(filter.params);
    extractor?.dispose();
  }
}

/** Synthetic images of one class and seed: rows in the seed's file, pixels and features. */
interface SyntheticClassImages {
  rows: number[];
  images: Uint8Array;
  features: FeatureRows;
}

/** Computes every metric of one rare class and generation seed, and writes its galleries. */
function evaluateClass(context: EvaluationContext, reference: ClassReference, seed: number, synthetic: SyntheticClassImages): FidelityResult {
  const { settings, data, extractor } = context;
  const { dataset } = data;
  const { classIndex, className } = reference;
  const detail = `${className}, seed ${seed}`;
  const notes: string[] = [];
  const d = extractor.numFeatures;
  const n = Math.min(synthetic.features.count, reference.test.count, reference.trainAll.count);

  const result: FidelityResult = {
    className,
    classIndex,
    seed,
    counts: {
      synthetic: synthetic.features.count,
      realTest: reference.test.count,
      realTrainAll: reference.trainAll.count,
      realTrainUsed: reference.realTrainUsed,
    },
    sampleSize: n,
    fid: null,
    fidFloor: null,
    kid: null,
    precision: null,
    recall: null,
    k: settings.k,
    classConfidence: null,
    memorisation: {
      memorizationDistance: context.memorizationDistance,
      closerThanMemorizationDistance: null,
      minPixelDistance: null,
      minFeatureDistance: null,
      belowMinProbability: 0,
      perImageFile: null,
      galleries: [],
    },
    notes,
  };
  if (synthetic.features.count === 0) {
    notes.push(`no accepted synthetic images of '${className}' for seed ${seed}; every metric is missing`);
    return result;
  }

  // 1. Equal-size seeded subsets: synthetic, real test (shared by both FIDs) and real training.
  const subsetRng = new Random(deriveSeed(settings.randomSeed, classIndex, seed, 1));
  const syntheticSubset = selectFeatureRows(synthetic.features, firstRows(subsetRng, synthetic.features.count, n));
  const testSubset = selectFeatureRows(reference.test, firstRows(subsetRng, reference.test.count, n));
  const trainSubset = selectFeatureRows(reference.trainAll, firstRows(subsetRng, reference.trainAll.count, n));

  // 2. FID and its floor with percentile bootstrap intervals. Each resample redraws all three
  //    sets with replacement; the test resample is shared, so the two intervals are paired.
  //    NOTE: a resample repeats rows, so it has fewer distinct images than n, and FID grows as
  //    the sample shrinks. The intervals therefore tend to sit above the point value, and at small n
  //    they can exclude it. Compare FID with its floor, not with 0.
  if (n >= 2) {
    if (n < d) {
      const message = `fidelityReport: ${detail}: FID uses ${n} images per set for ${d} features, so the covariances are singular and FID is biased upward; compare it only with the floor at the same size`;
      log.warn(message);
      context.warnings.push(message);
      notes.push(`FID on ${n} images per set with ${d} features: biased upward, compare with the floor only`);
    }
    [result.fid, result.fidFloor] = bootstrapFrechetDistances(testSubset, [syntheticSubset, trainSubset], {
      resamples: settings.bootstrapResamples,
      level: settings.confidenceLevel,
      rng: new Random(deriveSeed(settings.randomSeed, classIndex, seed, 2)),
      onResample: (done) => context.progress({ phase: 'bootstrap', completed: done, total: settings.bootstrapResamples, detail }),
    });
  } else {
    notes.push(`FID needs at least 2 images per set, got ${n}`);
  }

  // 3. KID on all images of both sets.
  const kidSubsetSize = Math.min(settings.kidMaxSubsetSize, synthetic.features.count, reference.test.count);
  if (kidSubsetSize >= 2) {
    const kid = kernelDistance(synthetic.features, reference.test, {
      numSubsets: settings.kidSubsets,
      subsetSize: kidSubsetSize,
      seed: deriveSeed(settings.randomSeed, classIndex, seed, 3),
    });
    result.kid = { mean: kid.mean, std: kid.std, numSubsets: kid.numSubsets, subsetSize: kid.subsetSize };
  } else {
    notes.push(`KID needs at least 2 synthetic and 2 real test images, got ${synthetic.features.count} and ${reference.test.count}`);
  }

  // 4. Precision and recall on the FID subsets.
  if (n > settings.k) {
    const manifold = manifoldPrecisionRecall(testSubset, syntheticSubset, settings.k);
    result.precision = manifold.precision;
    result.recall = manifold.recall;
  } else {
    notes.push(`precision and recall need more than k = ${settings.k} images per set, got ${n}`);
  }

  // 5. Task-classifier confidence in the intended class.
  const probabilities = predictProbabilities(context.filter.config, context.filter.params, { pixels: synthetic.images, height: dataset.height, width: dataset.width });
  const confidence = classConfidence(probabilities, dataset.classNames.length, classIndex);
  result.classConfidence = {
    meanProbability: confidence.meanProbability,
    minProbability: confidence.minProbability,
    inceptionScore: confidence.inceptionScore,
    realTestMeanProbability: reference.realTestMeanProbability,
  };

  // 6. Memorisation and failure analysis.
  context.progress({ phase: 'memorisation', completed: 0, total: synthetic.features.count, detail });
  result.memorisation = analyseMemorisation(context, reference, seed, synthetic, confidence.probabilities);
  context.progress({ phase: 'memorisation', completed: synthetic.features.count, total: synthetic.features.count, detail });
  return result;
}

/** Nearest training images, outlier scores, counts, galleries and the per-image file of one class and seed. */
function analyseMemorisation(
  context: EvaluationContext,
  reference: ClassReference,
  seed: number,
  synthetic: SyntheticClassImages,
  intendedProbabilities: Float64Array,
): FidelityResult['memorisation'] {
  const { dataset } = context.data;
  const { height, width } = dataset;
  const size = height * width;
  const train = dataset.splits.train;
  const count = synthetic.features.count;
  const k = context.settings.k;

  // 1. Nearest image of the diffusion model's training split, in pixel and feature space.
  const pixel = nearestImagesInPixelSpace(synthetic.images, train.images, size);
  const feature = nearestFeatureRows(synthetic.features, context.trainFeatures);

  // 2. Outlier score: distance to the k-th nearest real training feature of the class.
  const outlierScores = reference.trainAll.count >= k ? kthNeighbourDistances(synthetic.features, reference.trainAll, k) : new Float64Array(count).fill(NaN);

  // 3. Per-image records.
  const base = `${safeName(reference.className)}_seed${seed}`;
  const perImageFile = `images_${base}.json`;
  writeJsonAtomic(path.join(context.outDir, perImageFile), {
    className: reference.className,
    seed,
    note: 'syntheticRow: row in synthetic/synthetic_seed<N>.npz; trainRow: row of the training split the diffusion model was trained on; pixel distances on pixels / 255',
    images: synthetic.rows.map((syntheticRow, i) => ({
      syntheticRow,
      nearestPixel: { trainRow: pixel.indices[i], distance: pixel.distances[i] },
      nearestFeature: { trainRow: feature.indices[i], distance: feature.distances[i] },
      outlierScore: Number.isNaN(outlierScores[i]) ? null : outlierScores[i],
      intendedClassProbability: intendedProbabilities[i],
    })),
  });

  // 4. Galleries: closest pairs in each space, least confident, largest outlier scores.
  const details = { Class: reference.className, Seed: String(seed), Run: context.runName };
  const galleries: GalleryRecord[] = [];
  const gallery = (kind: GalleryKind, description: string, values: Float64Array, order: 'lowest' | 'highest', pairs: Int32Array | null) => {
    const ranked = rankRows(values, context.settings.galleryCount, order);
    if (ranked.length === 0) return;
    const file = `gallery_${base}_${kind}.png`;
    const syntheticImages = gatherImages(synthetic.images, ranked, size);
    if (pairs) {
      const trainImages = gatherImages(train.images, ranked.map((i) => pairs[i]), size);
      writePairGallery(path.join(context.outDir, file), syntheticImages, trainImages, height, width, { ...details, Gallery: kind });
    } else {
      writeImageGallery(path.join(context.outDir, file), syntheticImages, height, width, { ...details, Gallery: kind });
    }
    galleries.push({
      kind,
      file,
      description,
      items: ranked.map((i) => ({ syntheticRow: synthetic.rows[i], ...(pairs ? { trainRow: pairs[i] } : {}), value: values[i] })),
    });
  };
  gallery('closest-pixel', 'synthetic images closest to a training image in pixel space (value: distance on pixels / 255), each beside that image', pixel.distances, 'lowest', pixel.indices);
  gallery('closest-feature', 'synthetic images closest to a training image in feature space (value: feature distance), each beside that image', feature.distances, 'lowest', feature.indices);
  gallery('least-confident', 'synthetic images with the lowest task-classifier probability of their intended class (value: that probability)', intendedProbabilities, 'lowest', null);
  gallery('outliers', `synthetic images farthest from real images of the class (value: distance to the ${k}-th nearest real training feature)`, outlierScores, 'highest', null);

  const threshold = context.memorizationDistance;
  return {
    memorizationDistance: threshold,
    closerThanMemorizationDistance: threshold === null ? null : pixel.distances.filter((distance) => distance < threshold).length,
    minPixelDistance: pixel.distances.reduce((min, distance) => Math.min(min, distance), Infinity),
    minFeatureDistance: feature.distances.reduce((min, distance) => Math.min(min, distance), Infinity),
    belowMinProbability: intendedProbabilities.filter((p) => p < context.minProbability).length,
    perImageFile,
    galleries,
  };
}
