import { nearestNeighbourDistances } from './memorization';

/** Reasons for rejecting a synthetic image. */
export const REJECTION_REASONS = ['low-confidence', 'memorised'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** The verdict on one synthetic image. */
export interface SyntheticDecision {
  accepted: boolean;
  /** Null when accepted. Memorisation is checked first. */
  reason: RejectionReason | null;
  /** Probability of the intended class from the filter classifier (NaN without one). */
  probability: number;
  /** Distance to the nearest training image (pixels / 255, Euclidean). */
  nearestDistance: number;
}

export interface SyntheticFilterOptions {
  classIndex: number;
  /** Minimum probability of `classIndex` from the classifier trained on real data. */
  minProbability: number;
  /** Returns class probabilities [count, numClasses] for uint8 images [count, size]; null skips this check. */
  predictProbabilities: ((images: Uint8Array, count: number) => Float64Array) | null;
  numClasses: number;
  /** Training images of the diffusion model, uint8 [count, size]. */
  trainImages: Uint8Array;
  size: number;
  /** Images closer than this to a training image are rejected as memorised. */
  memorizationDistance: number;
}

/**
 * Returns a filter for synthetic images: an image is kept when it is not a near-copy of a
 * training image and a classifier trained on real data gives the intended class a
 * probability of at least `minProbability`.
 */
export function makeSyntheticFilter(options: SyntheticFilterOptions): (images: Uint8Array, count: number) => SyntheticDecision[] {
  if (!(options.minProbability >= 0 && options.minProbability <= 1)) {
    throw new Error(`makeSyntheticFilter: minProbability must be in [0, 1], got ${options.minProbability}`);
  }
  if (!(options.memorizationDistance >= 0)) {
    throw new Error(`makeSyntheticFilter: memorizationDistance must be >= 0, got ${options.memorizationDistance}`);
  }
  return (images, count) => {
    const distances = nearestNeighbourDistances(images.subarray(0, count * options.size), options.trainImages, options.size);
    const probabilities = options.predictProbabilities ? options.predictProbabilities(images, count) : null;
    const decisions: SyntheticDecision[] = [];
    for (let i = 0; i < count; i++) {
      const probability = probabilities ? probabilities[i * options.numClasses + options.classIndex] : NaN;
      let reason: RejectionReason | null = null;
      if (distances[i] < options.memorizationDistance) reason = 'memorised';
      else if (probabilities && !(probability >= options.minProbability)) reason = 'low-confidence';
      decisions.push({ accepted: reason === null, reason, probability, nearestDistance: distances[i] });
    }
    return decisions;
  };
}
