/**
 * Chest-radiograph phantoms: generated grayscale images drawn like a frontal (PA)
 * chest X-ray, in four classes, as built-in demo and test data with no download.
 *
 * These are synthetic toy phantoms for demos and tests. They are not medical data, no
 * patient image went into them, and results on them are no evidence about real
 * radiographs.
 *
 * Orientation follows the radiographic convention: the image's right side is the
 * patient's left. So the heart bulges to the right of the image centre, over the
 * patient's left lung. Anatomy is drawn in canonical coordinates, (0, 0) the top-left
 * corner and (1, 1) the bottom-right, and then posed.
 *
 * Every image contains:
 * - a bright body (soft tissue) on a dark background, with the bright abdomen below
 *   the diaphragm;
 * - two dark lung fields, slightly brighter near the hilum. Each is an ellipse cut at
 *   the bottom by a diaphragm dome, a parabola highest just medial of the lung's middle
 *   and lowest at the costophrenic angle. The patient's right dome is a little higher;
 * - a heart shadow, a tilted ellipse right of the image centre that replaces lung air
 *   where it overlaps a lung field, with a cardiothoracic ratio (CTR) in [0.38, 0.46];
 * - four faint bright rib arcs across each lung and a clavicle at each apex;
 * - pose variation (shift up to 2.5% of the side, rotation up to 4°, scale 0.94-1.04),
 *   per-image levels of background, tissue and lung, brightness and contrast, and
 *   film grain (Gaussian noise, standard deviation 3.5 grey levels).
 *
 * Findings, one per image:
 * - effusion: fluid fills the bottom of one lung field up to a flat level 0.56-0.64
 *   of the image height, with a meniscus that rises 0.06-0.11 toward the chest wall.
 *   The fluid is drawn as soft tissue, so it hides the dome and the costophrenic angle.
 * - cardiomegaly: the heart is drawn with a CTR in [0.56, 0.66], shifted and grown
 *   toward the patient's left. CTR here is the heart's horizontal width divided by the
 *   widest span between the outer edges of the two lung fields.
 * - nodule: one small round bright opacity, a Gaussian with standard deviation
 *   0.03-0.04 of the image side, inside a lung field and at least 0.1 of the image
 *   side from the field's edge, the heart and the diaphragm.
 */
import { Random } from '../util/random';
import { ImageDataset, ImageSplit, SPLIT_NAMES, SplitName, validateImageDataset } from './image-dataset';

/** Class names in label order: label 0 is 'no finding'. */
export const CHEST_PHANTOM_CLASS_NAMES = ['no finding', 'effusion', 'cardiomegaly', 'nodule'] as const;
export type ChestPhantomClassName = (typeof CHEST_PHANTOM_CLASS_NAMES)[number];

/** Images per split and class, in the order of CHEST_PHANTOM_CLASS_NAMES. */
export type ChestPhantomCounts = Record<SplitName, number[]>;

export interface ChestPhantomOptions {
  /** Seed for `Random`; the same seed gives the same bytes. Default 0. */
  seed?: number;
  /** Image side length in pixels, an integer in [24, 256]; 28, 32 and 64 are the usual sizes. Default 28. */
  size?: number;
  /** Images per split and class. Default CHEST_PHANTOM_DEFAULT_COUNTS. */
  counts?: ChestPhantomCounts;
}

/** Default counts: findings are rare, one training image in six has one. */
export const CHEST_PHANTOM_DEFAULT_COUNTS: Readonly<Record<SplitName, readonly number[]>> = Object.freeze({
  train: Object.freeze([600, 40, 40, 40]),
  val: Object.freeze([150, 10, 10, 10]),
  test: Object.freeze([300, 25, 25, 25]),
});

// Below 24 pixels a nodule's standard deviation (0.03-0.04 of the side) drops under
// 0.75 pixel, and the film grain hides it.
const MIN_SIZE = 24;
const MAX_SIZE = 256;

const LABEL_EFFUSION = CHEST_PHANTOM_CLASS_NAMES.indexOf('effusion');
const LABEL_CARDIOMEGALY = CHEST_PHANTOM_CLASS_NAMES.indexOf('cardiomegaly');
const LABEL_NODULE = CHEST_PHANTOM_CLASS_NAMES.indexOf('nodule');

// Canonical geometry (fractions of the image side). Side −1 is the image's left (the
// patient's right lung), side +1 the image's right (the patient's left lung).
const SIDES = [-1, 1] as const;
const BODY = { centerX: 0.5, centerY: 0.62, radiusX: 0.47, radiusY: 0.66, exponent: 4 };
const LUNG = { offsetX: [0.235, 0.25], centerY: 0.6, radiusX: [0.15, 0.165], radiusY: 0.48 };
const DOME_TOP = { [-1]: 0.72, [1]: 0.75 }; // ± 0.02 per image
const DOME_DEPTH = 0.09; // the dome drops this far from its top to the lung's outer edge
const HILUM = { offsetX: 0.11, centerY: 0.45, sigma: 0.07, haze: 0.25 };
const HEART = { centerY: 0.68, radiusY: [0.15, 0.17], tilt: 0.35 /* radians, right end lower */ };
const CTR_NORMAL = [0.38, 0.46];
const CTR_CARDIOMEGALY = [0.56, 0.66];
const RIB_STARTS_Y = [0.22, 0.34, 0.46, 0.58]; // centreline height at the spine
const RIB = { sigma: 0.012, amplitude: 0.08, fromX: 0.06, toX: 0.42 };
const CLAVICLE = { fromX: 0.05, fromY: 0.19, toX: 0.36, toY: 0.12, sigma: 0.014, amplitude: 0.16 };
const FLUID = { level: [0.56, 0.64], rise: [0.06, 0.11] };
// margin: the minimum distance from the nodule's centre to the lung field's outline,
// the dome and the heart, so the nodule is isolated in aerated lung.
const NODULE = { sigma: [0.03, 0.04], amplitude: [0.5, 0.65], margin: 0.1 };
const POSE = { maxShift: 0.025, maxRotation: (4 * Math.PI) / 180, scale: [0.94, 1.04] };
const EDGE = 0.012; // half-width of the soft edge of every shape
const GRAIN_SIGMA = 3.5; // grey levels

interface Ellipse {
  centerX: number;
  centerY: number;
  radiusX: number;
  radiusY: number;
}

interface Lung extends Ellipse {
  side: -1 | 1;
  domeTop: number;
}

interface Heart extends Ellipse {
  cosTilt: number;
  sinTilt: number;
}

/** Everything drawn in one image, in canonical coordinates and grey levels. */
interface Anatomy {
  pose: { shiftX: number; shiftY: number; cos: number; sin: number; scale: number };
  levels: { background: number; tissue: number; lung: number; contrast: number; brightness: number };
  lungs: Lung[];
  heart: Heart;
  ribStartsY: number[];
  fluid?: { side: -1 | 1; level: number; rise: number };
  nodule?: { x: number; y: number; sigma: number; amplitude: number };
}

/**
 * Generates the chest phantom dataset with classes CHEST_PHANTOM_CLASS_NAMES (labels
 * 0-3). Within each split the classes are shuffled together, and each split draws
 * from its own stream, so the counts of one split do not change the images of
 * another. Throws for a non-integer seed, a size outside [24, 256], or counts that
 * are not four non-negative integers per split.
 */
export function makeChestPhantomDataset(options: ChestPhantomOptions = {}): ImageDataset {
  const seed = options.seed ?? 0;
  const size = options.size ?? 28;
  const counts = options.counts ?? CHEST_PHANTOM_DEFAULT_COUNTS;
  if (!Number.isSafeInteger(seed)) throw new Error(`makeChestPhantomDataset: \`seed\` must be an integer, got ${seed}`);
  if (!Number.isInteger(size) || size < MIN_SIZE || size > MAX_SIZE) {
    throw new Error(`makeChestPhantomDataset: \`size\` must be an integer in [${MIN_SIZE}, ${MAX_SIZE}], got ${size}`);
  }
  if (typeof counts !== 'object' || counts === null) {
    throw new Error(`makeChestPhantomDataset: \`counts\` must be an object with train, val and test, got ${counts}`);
  }
  for (const splitName of SPLIT_NAMES) {
    const perClass = counts[splitName];
    if (!Array.isArray(perClass) || perClass.length !== CHEST_PHANTOM_CLASS_NAMES.length || !perClass.every((n) => Number.isInteger(n) && n >= 0)) {
      throw new Error(
        `makeChestPhantomDataset: \`counts.${splitName}\` must be ${CHEST_PHANTOM_CLASS_NAMES.length} non-negative integers ` +
          `[${CHEST_PHANTOM_CLASS_NAMES.join(', ')}], got ${JSON.stringify(perClass)}`,
      );
    }
  }

  const random = new Random(seed);
  const splits = {} as Record<SplitName, ImageSplit>;
  for (const splitName of SPLIT_NAMES) {
    splits[splitName] = makeSplit(counts[splitName], size, random.fork());
  }

  const dataset: ImageDataset = {
    name: 'chest-phantom',
    height: size,
    width: size,
    classNames: [...CHEST_PHANTOM_CLASS_NAMES],
    splits,
    source: `makeChestPhantomDataset(seed=${seed}, size=${size})`,
    license: 'synthetic data generated by medsynth (MIT), free to use',
  };
  validateImageDataset(dataset);
  return dataset;
}

function makeSplit(perClass: readonly number[], size: number, random: Random): ImageSplit {
  const labels = new Int32Array(perClass.reduce((total, n) => total + n, 0));
  let next = 0;
  perClass.forEach((n, label) => {
    labels.fill(label, next, next + n);
    next += n;
  });
  const count = labels.length;
  const order = random.permutation(count);
  const shuffled = order.map((i) => labels[i]);

  const images = new Uint8Array(count * size * size);
  for (let i = 0; i < count; i++) {
    const anatomy = drawAnatomy(shuffled[i], random);
    images.set(renderImage(anatomy, size, random), i * size * size);
  }
  return { images, labels: shuffled, count };
}

/** Draws the anatomy, pose and levels of one image of class `label`. */
function drawAnatomy(label: number, random: Random): Anatomy {
  const between = ([low, high]: number[]) => low + (high - low) * random.uniform();

  // 1. Pose and grey levels.
  const angle = POSE.maxRotation * (2 * random.uniform() - 1);
  const pose = {
    shiftX: POSE.maxShift * (2 * random.uniform() - 1),
    shiftY: POSE.maxShift * (2 * random.uniform() - 1),
    cos: Math.cos(angle),
    sin: Math.sin(angle),
    scale: between(POSE.scale),
  };
  const levels = {
    background: between([8, 28]),
    tissue: between([185, 215]),
    lung: between([55, 85]),
    contrast: between([0.9, 1.1]),
    brightness: between([-10, 10]),
  };

  // 2. Lungs, mirrored about the midline with their own dome heights.
  const offsetX = between(LUNG.offsetX);
  const radiusX = between(LUNG.radiusX);
  const lungs: Lung[] = SIDES.map((side) => ({
    side,
    centerX: 0.5 + side * offsetX,
    centerY: LUNG.centerY + between([-0.015, 0.015]),
    radiusX,
    radiusY: LUNG.radiusY,
    domeTop: DOME_TOP[side] + between([-0.02, 0.02]),
  }));

  // 3. Heart: the width follows from the CTR, width = CTR · thoracic width, where the
  // thoracic width is the span between the lungs' outer edges. A tilted ellipse has
  // horizontal half-width sqrt(rx² cos² + ry² sin²), solved here for rx.
  const thoracicWidth = 2 * (offsetX + radiusX);
  const ctr = between(label === LABEL_CARDIOMEGALY ? CTR_CARDIOMEGALY : CTR_NORMAL);
  const halfWidth = (ctr * thoracicWidth) / 2;
  const radiusY = between(HEART.radiusY) * Math.sqrt(halfWidth / 0.16);
  const tilt = HEART.tilt + between([-0.1, 0.1]);
  const heart: Heart = {
    centerX: 0.5 + 0.25 * halfWidth + between([-0.01, 0.01]),
    centerY: HEART.centerY + 0.3 * (radiusY - 0.16) + between([-0.015, 0.015]),
    radiusX: Math.sqrt(halfWidth ** 2 - (radiusY * Math.sin(tilt)) ** 2) / Math.cos(tilt),
    radiusY,
    cosTilt: Math.cos(tilt),
    sinTilt: Math.sin(tilt),
  };

  const ribStartsY = RIB_STARTS_Y.map((y) => y + between([-0.015, 0.015]));
  const anatomy: Anatomy = { pose, levels, lungs, heart, ribStartsY };

  // 4. Findings.
  if (label === LABEL_EFFUSION) {
    anatomy.fluid = { side: SIDES[random.int(2)], level: between(FLUID.level), rise: between(FLUID.rise) };
  }
  if (label === LABEL_NODULE) {
    const lung = lungs[random.int(2)];
    // Rejection sampling of a centre in the lung field, outside the heart, and at
    // least NODULE.margin from all three outlines.
    for (;;) {
      const x = lung.centerX + lung.radiusX * (2 * random.uniform() - 1);
      const y = 0.28 + 0.4 * random.uniform();
      const inside = ellipseDistance(lung, x, y) < 0 && y < domeY(lung, x) && heartRadius(heart, x, y) > 1;
      if (inside && outlineDistance(lung, heart, x, y) > NODULE.margin) {
        anatomy.nodule = { x, y, sigma: between(NODULE.sigma), amplitude: between(NODULE.amplitude) };
        break;
      }
    }
  }
  return anatomy;
}

/** Renders one image `[size, size]`, drawing film grain from `random`. */
function renderImage(anatomy: Anatomy, size: number, random: Random): Uint8Array {
  const { pose, levels, lungs, heart, fluid, nodule } = anatomy;
  // Soft edges and thin bands are widened by half a pixel, so they stay smooth at 24 px.
  const pixelBlur = 0.5 / size;
  const edge = Math.hypot(EDGE, pixelBlur);
  const airDepth = (levels.tissue - levels.lung) / (levels.tissue - levels.background);

  const image = new Uint8Array(size * size);
  for (let row = 0; row < size; row++) {
    for (let column = 0; column < size; column++) {
      // 1. Pixel centre to canonical coordinates: undo shift, rotation and scale about the centre.
      const px = (column + 0.5) / size - 0.5 - pose.shiftX;
      const py = (row + 0.5) / size - 0.5 - pose.shiftY;
      const x = 0.5 + (pose.cos * px + pose.sin * py) / pose.scale;
      const y = 0.5 + (-pose.sin * px + pose.cos * py) / pose.scale;

      // 2. Air: lung fields above their domes, less any fluid, less the heart.
      let air = 0;
      for (const lung of lungs) {
        let lungAir = softInside(ellipseDistance(lung, x, y), edge) * softInside(y - domeY(lung, x), edge);
        if (fluid !== undefined && fluid.side === lung.side) lungAir *= 1 - softInside(fluidY(fluid, lung, x) - y, edge);
        air = Math.max(air, lungAir);
      }
      air *= 1 - softInside((heartRadius(heart, x, y) - 1) * heart.radiusY, edge);
      const hilumDistanceSquared = (Math.abs(x - 0.5) - HILUM.offsetX) ** 2 + (y - HILUM.centerY) ** 2;
      air *= 1 - HILUM.haze * Math.exp(-hilumDistanceSquared / (2 * HILUM.sigma ** 2));

      // 3. Density: 0 for background, 1 for soft tissue; bones and a nodule add to it.
      const body = softInside(superellipseDistance(x, y), edge);
      let density = body * (1 - airDepth * air + bones(anatomy, x, y, pixelBlur));
      if (nodule !== undefined) {
        const sigmaSquared = nodule.sigma ** 2 + pixelBlur ** 2;
        const distanceSquared = (x - nodule.x) ** 2 + (y - nodule.y) ** 2;
        // Scaled by σ² / σ_blur² so the blurred blob keeps the same integral.
        density += ((nodule.amplitude * nodule.sigma ** 2) / sigmaSquared) * Math.exp(-distanceSquared / (2 * sigmaSquared));
      }

      // 4. Grey level, brightness and contrast, film grain.
      let value = levels.background + (levels.tissue - levels.background) * density;
      value = 128 + levels.contrast * (value - 128) + levels.brightness + GRAIN_SIGMA * random.normal();
      image[row * size + column] = Math.max(0, Math.min(255, Math.round(value)));
    }
  }
  return image;
}

/** Added density of the ribs and clavicles at canonical (x, y), bands widened by `pixelBlur`. */
function bones(anatomy: Anatomy, x: number, y: number, pixelBlur: number): number {
  const lateral = Math.abs(x - 0.5);
  let density = 0;

  // Ribs: arches that rise by up to 0.05 across the lung and slope down laterally by
  // 0.14 per unit of lateral distance, faded out over the last 0.036 at either end.
  const ribSigmaSquared = RIB.sigma ** 2 + pixelBlur ** 2;
  const ribAmplitude = (RIB.amplitude * RIB.sigma) / Math.sqrt(ribSigmaSquared);
  if (lateral > RIB.fromX && lateral < RIB.toX) {
    const t = (lateral - RIB.fromX) / (RIB.toX - RIB.fromX);
    const fade = Math.min(1, t / 0.1, (1 - t) / 0.1);
    const offset = -0.05 * Math.sin(Math.PI * t) + 0.14 * (lateral - RIB.fromX);
    for (const startY of anatomy.ribStartsY) {
      density += fade * ribAmplitude * Math.exp(-((y - startY - offset) ** 2) / (2 * ribSigmaSquared));
    }
  }

  // Clavicles: straight bands from near the midline up and out to the shoulders.
  const clavicleSigmaSquared = CLAVICLE.sigma ** 2 + pixelBlur ** 2;
  const clavicleAmplitude = (CLAVICLE.amplitude * CLAVICLE.sigma) / Math.sqrt(clavicleSigmaSquared);
  const distanceSquared = segmentDistanceSquared(lateral, y, CLAVICLE.fromX, CLAVICLE.fromY, CLAVICLE.toX, CLAVICLE.toY);
  density += clavicleAmplitude * Math.exp(-distanceSquared / (2 * clavicleSigmaSquared));
  return density;
}

/**
 * Height of the diaphragm dome under `lung` at canonical x: a parabola with its top
 * 0.3 radii medial of the lung's centre, DOME_DEPTH lower at the outer edge.
 */
function domeY(lung: Lung, x: number): number {
  const towardWall = (lung.side * (x - lung.centerX)) / lung.radiusX;
  return lung.domeTop + DOME_DEPTH * ((towardWall + 0.3) / 1.3) ** 2;
}

/** Top of the effusion's fluid at canonical x: the level, rising quadratically toward the chest wall. */
function fluidY(fluid: { level: number; rise: number }, lung: Lung, x: number): number {
  const towardWall = Math.min(1, Math.max(0, (lung.side * (x - lung.centerX) + lung.radiusX) / (2 * lung.radiusX)));
  return fluid.level - fluid.rise * towardWall ** 2;
}

/**
 * Approximate signed distance to an ellipse's edge, negative inside: f / |∇f| with
 * f = r² − 1, which is exact on the edge and close to it near the edge. Far inside a
 * narrow ellipse it overstates the distance, so nodule placement uses outlineDistance.
 */
function ellipseDistance(ellipse: Ellipse, x: number, y: number): number {
  const dx = (x - ellipse.centerX) / ellipse.radiusX;
  const dy = (y - ellipse.centerY) / ellipse.radiusY;
  const gradient = 2 * Math.hypot(dx / ellipse.radiusX, dy / ellipse.radiusY);
  return (dx * dx + dy * dy - 1) / Math.max(gradient, 1e-9);
}

/**
 * Distance from canonical (x, y) to the nearest of three outlines: the lung's ellipse,
 * its dome and the heart. Each outline is sampled at 128 points, less than 0.02 apart.
 */
function outlineDistance(lung: Lung, heart: Heart, x: number, y: number): number {
  const steps = 128;
  let nearestSquared = Infinity;
  for (let k = 0; k < steps; k++) {
    const angle = (2 * Math.PI * k) / steps;
    const lungX = lung.centerX + lung.radiusX * Math.cos(angle);
    const lungY = lung.centerY + lung.radiusY * Math.sin(angle);
    // The heart's point at (along, across) = (rx cos, ry sin), rotated by the tilt.
    const along = heart.radiusX * Math.cos(angle);
    const across = heart.radiusY * Math.sin(angle);
    const heartX = heart.centerX + heart.cosTilt * along - heart.sinTilt * across;
    const heartY = heart.centerY + heart.sinTilt * along + heart.cosTilt * across;
    const domeX = lung.centerX + lung.radiusX * ((2 * k) / (steps - 1) - 1);
    nearestSquared = Math.min(
      nearestSquared,
      (x - lungX) ** 2 + (y - lungY) ** 2,
      (x - heartX) ** 2 + (y - heartY) ** 2,
      (x - domeX) ** 2 + (y - domeY(lung, domeX)) ** 2,
    );
  }
  return Math.sqrt(nearestSquared);
}

/** Normalised radius of the tilted heart ellipse: below 1 inside. */
function heartRadius(heart: Heart, x: number, y: number): number {
  const dx = x - heart.centerX;
  const dy = y - heart.centerY;
  const along = heart.cosTilt * dx + heart.sinTilt * dy;
  const across = -heart.sinTilt * dx + heart.cosTilt * dy;
  return Math.hypot(along / heart.radiusX, across / heart.radiusY);
}

/** Approximate signed distance to the body's edge, a superellipse |dx|⁴ + |dy|⁴ = 1 in radius units. */
function superellipseDistance(x: number, y: number): number {
  const dx = Math.abs(x - BODY.centerX) / BODY.radiusX;
  const dy = Math.abs(y - BODY.centerY) / BODY.radiusY;
  const radius = (dx ** BODY.exponent + dy ** BODY.exponent) ** (1 / BODY.exponent);
  return (radius - 1) * Math.min(BODY.radiusX, BODY.radiusY);
}

/** Squared distance from (x, y) to the segment from (x0, y0) to (x1, y1). */
function segmentDistanceSquared(x: number, y: number, x0: number, y0: number, x1: number, y1: number): number {
  const lengthSquared = (x1 - x0) ** 2 + (y1 - y0) ** 2;
  const t = Math.min(1, Math.max(0, ((x - x0) * (x1 - x0) + (y - y0) * (y1 - y0)) / lengthSquared));
  return (x - x0 - t * (x1 - x0)) ** 2 + (y - y0 - t * (y1 - y0)) ** 2;
}

/** 1 at signed distance ≤ −edge (inside), 0 at ≥ +edge, smoothstep between. */
function softInside(distance: number, edge: number): number {
  const t = Math.min(1, Math.max(0, (distance + edge) / (2 * edge)));
  return 1 - t * t * (3 - 2 * t);
}
