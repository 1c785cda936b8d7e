import { generateImages, LoadedImageModel } from '../pipelines/image-diffusion';
import { toUint8 } from '../io/png';
import { REJECTION_REASONS, RejectionReason, SyntheticDecision } from './synthetic-filter';

export interface GenerateAcceptedOptions {
  classIndex: number;
  /** Accepted images wanted. */
  targetCount: number;
  /** Stop after generating this many images even if the target is not reached. */
  maxGenerated: number;
  guidanceScale: number;
  sampler: string;
  numInferenceSteps: number;
  seed: number;
  /** Images per generation round (default 64). */
  roundSize?: number;
  filter: (images: Uint8Array, count: number) => SyntheticDecision[];
  /** Example images kept per outcome, for reports (default 8). */
  examplesPerOutcome?: number;
  onProgress?: (progress: { accepted: number; generated: number; target: number }) => void;
}

export interface GenerateAcceptedResult {
  /** Accepted images, uint8 [accepted, height, width]. */
  images: Uint8Array;
  accepted: number;
  generated: number;
  rejected: Record<RejectionReason, number>;
  /** Images that passed the filter after the target was reached in the last round, not kept. */
  surplus: number;
  /** True when `targetCount` images were accepted; false when `maxGenerated` stopped the loop. */
  reachedTarget: boolean;
  /** Up to `examplesPerOutcome` images per outcome, uint8 [n, height, width] each. */
  examples: Record<'accepted' | RejectionReason, Uint8Array[]>;
  /** Filter-classifier probability of the intended class for each accepted image. */
  acceptedProbabilities: number[];
}

/**
 * Generates synthetic images of one class in rounds until `targetCount` pass the filter or
 * `maxGenerated` have been generated. Round r uses seed `seed + r`, so the result depends
 * only on the options.
 */
export function generateAcceptedImages(loaded: LoadedImageModel, options: GenerateAcceptedOptions): GenerateAcceptedResult {
  const { targetCount, maxGenerated } = options;
  if (!Number.isInteger(targetCount) || targetCount < 1) {
    throw new Error(`generateAcceptedImages: targetCount must be an integer >= 1, got ${targetCount}`);
  }
  if (!Number.isInteger(maxGenerated) || maxGenerated < targetCount) {
    throw new Error(`generateAcceptedImages: maxGenerated must be an integer >= targetCount (${targetCount}), got ${maxGenerated}`);
  }
  const { height, width } = loaded.model.image;
  const size = height * width;
  const roundSize = options.roundSize ?? 64;
  const examplesPerOutcome = options.examplesPerOutcome ?? 8;
  const accepted = new Uint8Array(targetCount * size);
  const rejected = Object.fromEntries(REJECTION_REASONS.map((r) => [r, 0])) as Record<RejectionReason, number>;
  const examples = { accepted: [], ...Object.fromEntries(REJECTION_REASONS.map((r) => [r, []])) } as unknown as GenerateAcceptedResult['examples'];
  const acceptedProbabilities: number[] = [];
  let acceptedCount = 0;
  let surplus = 0;
  let generated = 0;

  for (let round = 0; acceptedCount < targetCount && generated < maxGenerated; round++) {
    const count = Math.min(roundSize, maxGenerated - generated);
    const pixels = toUint8(
      generateImages(loaded, {
        classIndex: options.classIndex,
        count,
        guidanceScale: options.guidanceScale,
        sampler: options.sampler,
        numInferenceSteps: options.numInferenceSteps,
        seed: options.seed + round,
      }),
    );
    generated += count;
    const decisions = options.filter(pixels, count);
    decisions.forEach((decision, i) => {
      const image = pixels.slice(i * size, (i + 1) * size);
      const outcome = decision.accepted ? 'accepted' : (decision.reason as RejectionReason);
      if (examples[outcome].length < examplesPerOutcome) examples[outcome].push(image);
      if (!decision.accepted) {
        rejected[decision.reason as RejectionReason] += 1;
      } else if (acceptedCount < targetCount) {
        accepted.set(image, acceptedCount * size);
        acceptedProbabilities.push(decision.probability);
        acceptedCount += 1;
      } else {
        surplus += 1;
      }
    });
    options.onProgress?.({ accepted: acceptedCount, generated, target: targetCount });
  }

  return {
    images: accepted.slice(0, acceptedCount * size),
    accepted: acceptedCount,
    generated,
    rejected,
    surplus,
    reachedTarget: acceptedCount >= targetCount,
    examples,
    acceptedProbabilities,
  };
}
