/**
 * Review sessions of a visual Turing test: a seeded, shuffled mix of real test images and
 * accepted synthetic images of an experiment run, copied to `<run>/review/<session>/images/`
 * under opaque names. The answer key stays beside that folder in `key.json` and is never served.
 *
 * Session folder layout:
 * - `session.json`: what the server may know (image ids, sorted, and image size). No sources.
 * - `key.json`: the answer key, one entry per image with its source (real or synthetic).
 * - `images/img-<hex>.png`: the images, 8-bit grayscale PNGs without text chunks.
 * - `answers.jsonl`: the reviewers' answers (see answers-store.ts).
 * - `scores.json`: the output of `scoreReviewSession`.
 */
import * as crypto from 'crypto';
import { makeDirectory } from '../util/make-directory';
import * as fs from 'fs';
import * as path from 'path';
import { classCounts, ImageSplit } from '../data/image-dataset';
import { loadNpz } from '../data/npz';
import { parseExperimentConfig } from '../experiment/config';
import { prepareExperimentData } from '../experiment/prepare-data';
import { RunDirectory } from '../experiment/run-dir';
import { syntheticFile } from '../experiment/stages/generation';
import { writeGrayPng } from '../io/png';
import { writeJsonAtomic } from '../util/atomic-write';
import { log } from '../util/log';
import { Random } from '../util/random';

/** Sources of a review image. Reviewers judge each image as one of these. */
export const IMAGE_SOURCES = ['real', 'synthetic'] as const;
export type ImageSource = (typeof IMAGE_SOURCES)[number];

/**
 * Classes of the real images in a session:
 * - `synthetic-mix`: the class mix of the chosen synthetic images (rare classes only), so that
 *   the class of an image gives no hint of its source;
 * - `all`: any class of the test split, drawn at random.
 */
export const REAL_CLASS_MIXES = ['synthetic-mix', 'all'] as const;
export type RealClassMix = (typeof REAL_CLASS_MIXES)[number];

export const DEFAULT_SESSION_NAME = 'default';
export const DEFAULT_IMAGE_COUNT = 40;
export const MAX_IMAGE_COUNT = 10_000;

/** Image ids are `img-` and 16 lowercase hex digits; the file is `<id>.png`. */
export const IMAGE_ID_PATTERN = /^img-[0-9a-f]{16}$/;
const SESSION_NAME_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;

export interface ReviewSessionOptions {
  /** Folder name under `<run>/review/` (default `default`): letters, digits, `.`, `_`, `-`. */
  sessionName?: string;
  /** Images in the session, real and synthetic together (default 40). */
  imageCount?: number;
  /** Seed of the image choice, the file names and the reviewers' image orders (default 0). */
  seed?: number;
  /** Fraction of real images, in (0, 1) (default 0.5). */
  realFraction?: number;
  /** Classes of the real images (default `synthetic-mix`). */
  realClasses?: RealClassMix;
}

/** The public description of a session, stored in `session.json`. It names no image's source. */
export interface ReviewSession {
  format: 'medsynth-review-session';
  version: 1;
  name: string;
  /** Absolute path of the run directory, filled in when the session is opened. */
  runDir: string;
  createdAt: string;
  seed: number;
  realFraction: number;
  realClasses: RealClassMix;
  /** Image size in pixels. */
  height: number;
  width: number;
  /** Image ids in sorted order, so that the order reveals no source. */
  imageIds: string[];
}

/** One image of the answer key. */
export interface ReviewKeyEntry {
  imageId: string;
  source: ImageSource;
  classIndex: number;
  className: string;
  /** Row of the run's real test split, or the synthetic file (relative to the run) and its row. */
  origin: { split: 'test'; index: number } | { file: string; index: number };
}

/** The answer key, stored in `key.json`. */
export interface ReviewKey {
  format: 'medsynth-review-key';
  version: 1;
  session: string;
  entries: ReviewKeyEntry[];
}

/** A session and whether this call created it. */
export interface OpenedReviewSession {
  session: ReviewSession;
  created: boolean;
}

/** Returns `<runDir>/review/<sessionName>`. */
export function reviewSessionDir(runDir: string, sessionName: string): string {
  return path.join(path.resolve(runDir), 'review', sessionName);
}

/** Returns the session's image folder, the only folder the review server reads images from. */
export function sessionImagesDir(session: ReviewSession): string {
  return path.join(reviewSessionDir(session.runDir, session.name), 'images');
}

/** Checks a session name; it becomes a folder name, so it may not contain path separators. */
export function validateSessionName(caller: string, name: unknown): string {
  if (typeof name !== 'string' || !SESSION_NAME_PATTERN.test(name)) {
    throw new Error(
      `${caller}: \`sessionName\` must be 1 to 64 letters, digits, '.', '_' or '-', not starting with '.', got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

/**
 * Opens the review session `sessionName` of the run in `runDir`, or creates it when it does not
 * exist. An existing session is reused as it is: `imageCount`, `seed`, `realFraction` and
 * `realClasses` that differ from the stored ones are ignored with a warning.
 */
export function openOrCreateReviewSession(runDir: string, options: ReviewSessionOptions = {}): OpenedReviewSession {
  const caller = 'openOrCreateReviewSession';
  const name = validateSessionName(caller, options.sessionName ?? DEFAULT_SESSION_NAME);
  const settings = validateSessionOptions(caller, options);
  const run = openRun(caller, runDir);
  if (fs.existsSync(reviewSessionDir(run.dir, name))) {
    const session = openReviewSession(run.dir, name);
    warnAboutIgnoredOptions(session, options);
    return { session, created: false };
  }
  return { session: createReviewSession(run, name, settings), created: true };
}

/** Opens an existing review session; throws, naming the folder, when it does not exist. */
export function openReviewSession(runDir: string, sessionName: string = DEFAULT_SESSION_NAME): ReviewSession {
  const caller = 'openReviewSession';
  validateSessionName(caller, sessionName);
  const dir = reviewSessionDir(runDir, sessionName);
  const file = path.join(dir, 'session.json');
  if (!fs.existsSync(file)) {
    const existing = listSessions(runDir);
    throw new Error(
      `${caller}: no review session '${sessionName}' in ${path.resolve(runDir)} (${file} not found); ` +
        (existing.length > 0 ? `existing sessions: ${existing.join(', ')}` : "create one with 'medsynth review serve <run dir>'"),
    );
  }
  const session = JSON.parse(fs.readFileSync(file, 'utf8')) as ReviewSession;
  if (session.format !== 'medsynth-review-session' || !Array.isArray(session.imageIds)) {
    throw new Error(`${caller}: ${file} is not a review session file (format ${JSON.stringify(session.format)})`);
  }
  return { ...session, runDir: path.resolve(runDir) };
}

/** Reads the answer key of a session. Only scoring reads it; the server never does. */
export function readReviewKey(session: ReviewSession): ReviewKey {
  const file = path.join(reviewSessionDir(session.runDir, session.name), 'key.json');
  if (!fs.existsSync(file)) {
    throw new Error(`readReviewKey: the answer key ${file} is missing, so the session cannot be scored; restore it from a backup`);
  }
  const key = JSON.parse(fs.readFileSync(file, 'utf8')) as ReviewKey;
  if (key.format !== 'medsynth-review-key' || !Array.isArray(key.entries)) {
    throw new Error(`readReviewKey: ${file} is not a review key file (format ${JSON.stringify(key.format)})`);
  }
  return key;
}

/**
 * Returns the order in which the page shows the session's images to `reviewer`. It is a
 * permutation seeded by the session seed and the reviewer's name, so each reviewer has their own
 * order and gets the same order again after a restart.
 */
export function reviewerImageOrder(session: ReviewSession, reviewer: string): string[] {
  // The first 32 bits of SHA-256(seed, NUL, name) seed the generator.
  const digest = crypto.createHash('sha256').update(`${session.seed}\u0000${reviewer}`, 'utf8').digest();
  const permutation = new Random(digest.readUInt32LE(0)).permutation(session.imageIds.length);
  return Array.from(permutation, (i) => session.imageIds[i]);
}

function listSessions(runDir: string): string[] {
  const dir = path.join(path.resolve(runDir), 'review');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((entry) => fs.existsSync(path.join(dir, entry, 'session.json')))
    .sort();
}

interface SessionSettings {
  imageCount: number;
  seed: number;
  realFraction: number;
  realClasses: RealClassMix;
}

function validateSessionOptions(caller: string, options: ReviewSessionOptions): SessionSettings {
  const imageCount = options.imageCount ?? DEFAULT_IMAGE_COUNT;
  if (!Number.isInteger(imageCount) || imageCount < 2 || imageCount > MAX_IMAGE_COUNT) {
    throw new Error(`${caller}: \`imageCount\` must be an integer in [2, ${MAX_IMAGE_COUNT}], got ${imageCount}`);
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) {
    throw new Error(`${caller}: \`seed\` must be an integer, got ${seed}`);
  }
  const realFraction = options.realFraction ?? 0.5;
  if (typeof realFraction !== 'number' || !(realFraction > 0 && realFraction < 1)) {
    throw new Error(`${caller}: \`realFraction\` must be a number in (0, 1), got ${realFraction}; a session needs real and synthetic images`);
  }
  const realClasses = options.realClasses ?? 'synthetic-mix';
  if (!(REAL_CLASS_MIXES as readonly string[]).includes(realClasses)) {
    throw new Error(`${caller}: \`realClasses\` must be one of ${REAL_CLASS_MIXES.join(', ')}, got ${JSON.stringify(realClasses)}`);
  }
  return { imageCount, seed, realFraction, realClasses };
}

function warnAboutIgnoredOptions(session: ReviewSession, options: ReviewSessionOptions): void {
  const stored: Record<string, unknown> = {
    imageCount: session.imageIds.length,
    seed: session.seed,
    realFraction: session.realFraction,
    realClasses: session.realClasses,
  };
  for (const [option, value] of Object.entries(stored)) {
    const requested = options[option as keyof ReviewSessionOptions];
    if (requested !== undefined && requested !== value) {
      log.warn(
        `review session '${session.name}' already exists with ${option} ${JSON.stringify(value)}; ` +
          `the requested ${JSON.stringify(requested)} is ignored. Name a new session to draw another mix of images`,
      );
    }
  }
}

function openRun(caller: string, runDir: string): RunDirectory {
  if (typeof runDir !== 'string' || runDir === '') {
    throw new Error(`${caller}: \`runDir\` must name a run directory, got ${JSON.stringify(runDir)}`);
  }
  if (!fs.existsSync(runDir) || !fs.statSync(runDir).isDirectory()) {
    throw new Error(`${caller}: run directory ${runDir} not found; pass a folder under experiments/runs/`);
  }
  let run: RunDirectory;
  try {
    run = RunDirectory.open(runDir);
  } catch (err) {
    throw new Error(`${caller}: ${(err as Error).message}`);
  }
  return run;
}

/** A synthetic image available to a session: its file (relative to the run), row and class. */
interface SyntheticCandidate {
  file: string;
  index: number;
  classIndex: number;
  pixels: Uint8Array;
}

function createReviewSession(run: RunDirectory, name: string, settings: SessionSettings): ReviewSession {
  const caller = 'openOrCreateReviewSession';
  if (!run.isFinished('generation')) {
    throw new Error(
      `${caller}: the run in ${run.dir} has not finished its generation stage, so it has no accepted synthetic images yet; ` +
        `complete it with 'medsynth run --resume ${run.dir}'`,
    );
  }

  // 1. Reload the run's data as the run prepared it: the real test split of the selected classes.
  const manifest = run.readJson<{ config: unknown }>('manifest.json');
  const config = parseExperimentConfig(manifest.config, run.path('manifest.json'));
  const data = prepareExperimentData(config);
  const { dataset } = data;
  const test = dataset.splits.test as ImageSplit;
  const size = dataset.height * dataset.width;

  // 2. Collect the accepted synthetic images of every seed of the run.
  const candidates = loadSyntheticCandidates(caller, run, config.seeds, dataset.height, dataset.width);
  const realCount = Math.round(settings.imageCount * settings.realFraction);
  const syntheticCount = settings.imageCount - realCount;
  if (realCount < 1 || syntheticCount < 1) {
    throw new Error(
      `${caller}: ${settings.imageCount} images with \`realFraction\` ${settings.realFraction} leave ${realCount} real and ${syntheticCount} synthetic; ` +
        'raise `imageCount` or move `realFraction` towards 0.5',
    );
  }
  if (candidates.length < syntheticCount) {
    throw new Error(
      `${caller}: the run has ${candidates.length} accepted synthetic images, fewer than the ${syntheticCount} that ${settings.imageCount} images need; ` +
        `lower \`imageCount\` to at most ${Math.floor(candidates.length / (1 - settings.realFraction))}`,
    );
  }

  // 3. Draw the synthetic images, then real test images with the chosen class mix.
  const random = new Random(settings.seed);
  const chooseRandom = random.fork();
  const nameRandom = random.fork();
  const orderRandom = random.fork();
  const synthetic = Array.from(chooseRandom.permutation(candidates.length).subarray(0, syntheticCount), (i) => candidates[i]);
  const realRows = chooseRealRows(caller, test, dataset.classNames, synthetic, realCount, settings.realClasses, chooseRandom);

  // 4. Shuffle real and synthetic together and name each image with 64 seeded random bits.
  const items: { entry: Omit<ReviewKeyEntry, 'imageId'>; pixels: Uint8Array }[] = [
    ...realRows.map((row) => ({
      entry: { source: 'real' as const, classIndex: test.labels[row], className: dataset.classNames[test.labels[row]], origin: { split: 'test' as const, index: row } },
      pixels: test.images.subarray(row * size, (row + 1) * size),
    })),
    ...synthetic.map((candidate) => ({
      entry: {
        source: 'synthetic' as const,
        classIndex: candidate.classIndex,
        className: dataset.classNames[candidate.classIndex],
        origin: { file: candidate.file, index: candidate.index },
      },
      pixels: candidate.pixels,
    })),
  ];
  const shuffled = Array.from(orderRandom.permutation(items.length), (i) => items[i]);
  const ids = new Set<string>();
  const entries: ReviewKeyEntry[] = [];
  for (const item of shuffled) {
    let id: string;
    do {
      id = `img-${hex32(nameRandom.nextUint32())}${hex32(nameRandom.nextUint32())}`;
    } while (ids.has(id));
    ids.add(id);
    entries.push({ imageId: id, ...item.entry });
  }

  // 5. Write everything into a temporary folder and rename it into place, so that a crash
  // never leaves a half-written session that a later serve would reuse.
  const finalDir = reviewSessionDir(run.dir, name);
  const tmpDir = path.join(path.dirname(finalDir), `.${name}.${process.pid}.${Date.now()}.tmp`);
  makeDirectory(path.join(tmpDir, 'images'));
  try {
    // Files are written in the shuffled order, so their creation times do not group the sources.
    // NOTE: these copies deliberately carry no PNG text chunks (no syntheticPngText), unlike every
    // other synthetic image medsynth writes: a marked file would reveal the answer key to the reviewer.
    shuffled.forEach((item, i) => writeGrayPng(path.join(tmpDir, 'images', `${entries[i].imageId}.png`), item.pixels, dataset.width, dataset.height));
    const key: ReviewKey = { format: 'medsynth-review-key', version: 1, session: name, entries };
    writeJsonAtomic(path.join(tmpDir, 'key.json'), key);
    const session: ReviewSession = {
      format: 'medsynth-review-session',
      version: 1,
      name,
      runDir: run.dir,
      createdAt: new Date().toISOString(),
      seed: settings.seed,
      realFraction: settings.realFraction,
      realClasses: settings.realClasses,
      height: dataset.height,
      width: dataset.width,
      imageIds: [...ids].sort(),
    };
    writeJsonAtomic(path.join(tmpDir, 'session.json'), session);
    fs.renameSync(tmpDir, finalDir);
    log.info(`review session '${name}' created in ${finalDir}: ${realCount} real and ${syntheticCount} synthetic images, seed ${settings.seed}`);
    return session;
  } catch (err) {
    fs.rmSync(tmpDir, { recursive: true, force: true });
    throw err;
  }
}

function loadSyntheticCandidates(caller: string, run: RunDirectory, seeds: number[], height: number, width: number): SyntheticCandidate[] {
  const size = height * width;
  const candidates: SyntheticCandidate[] = [];
  for (const seed of seeds) {
    const file = syntheticFile(seed);
    if (!fs.existsSync(run.path(file))) {
      log.warn(`${caller}: ${run.path(file)} not found; the session uses the synthetic images of the other seeds`);
      continue;
    }
    const arrays = loadNpz(run.path(file));
    const images = arrays.get('images');
    const labels = arrays.get('labels');
    if (images === undefined || labels === undefined || !(images.data instanceof Uint8Array)) {
      throw new Error(`${caller}: ${run.path(file)} must contain a uint8 'images' array and a 'labels' array; rerun the generation stage`);
    }
    const count = images.shape[0];
    if (images.shape.length !== 3 || images.shape[1] !== height || images.shape[2] !== width || labels.data.length !== count) {
      throw new Error(
        `${caller}: ${run.path(file)} has images of shape [${images.shape.join(', ')}] and ${labels.data.length} labels; ` +
          `expected [count, ${height}, ${width}] and one label per image`,
      );
    }
    for (let i = 0; i < count; i++) {
      candidates.push({ file, index: i, classIndex: labels.data[i], pixels: images.data.subarray(i * size, (i + 1) * size) });
    }
  }
  return candidates;
}

/**
 * Chooses `realCount` rows of the test split. With `synthetic-mix`, class k gets a share of the
 * real images equal to its share of the chosen synthetic images, rounded to whole images by
 * largest remainders. With `all`, rows are drawn from the whole split.
 */
function chooseRealRows(
  caller: string,
  test: ImageSplit,
  classNames: string[],
  synthetic: SyntheticCandidate[],
  realCount: number,
  mix: RealClassMix,
  random: Random,
): number[] {
  if (mix === 'all') {
    if (test.count < realCount) {
      throw new Error(`${caller}: the test split has ${test.count} images, fewer than the ${realCount} real images requested; lower \`imageCount\``);
    }
    return Array.from(random.permutation(test.count).subarray(0, realCount));
  }

  const syntheticCounts = new Array<number>(classNames.length).fill(0);
  for (const candidate of synthetic) syntheticCounts[candidate.classIndex]++;
  const quotas = syntheticCounts.map((count) => (count * realCount) / synthetic.length);
  const wanted = quotas.map(Math.floor);
  const byRemainder = quotas.map((quota, k) => ({ k, remainder: quota - Math.floor(quota) })).sort((a, b) => b.remainder - a.remainder || a.k - b.k);
  for (let i = 0; wanted.reduce((a, b) => a + b, 0) < realCount; i++) wanted[byRemainder[i].k]++;

  const available = classCounts(test, classNames.length);
  const order = random.permutation(test.count);
  const rows: number[] = [];
  wanted.forEach((count, k) => {
    if (count > available[k]) {
      throw new Error(
        `${caller}: the test split has ${available[k]} images of '${classNames[k]}', fewer than the ${count} real images of that class ` +
          "that match the synthetic images; lower `imageCount`, or use `realClasses` 'all'",
      );
    }
    rows.push(...Array.from(order).filter((row) => test.labels[row] === k).slice(0, count));
  });
  return rows;
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0');
}
