import { LabeledImageRows } from '../../kernel-lib/classify/train';
import { Random } from '../../kernel-lib/util/random';

/** Side of the toy images. */
export const TOY_SIZE = 8;

/**
 * Bright-versus-dark toy set: class k images have pixels near `means[k]` (0–255) with
 * uniform noise of ±`noise`, clipped to bytes. Rows alternate through the classes
 * unless `labels` fixes them.
 */
export function toyImages(count: number, seed: number, options: { means?: number[]; noise?: number; labels?: Int32Array } = {}): LabeledImageRows {
  const means = options.means ?? [70, 185];
  const noise = options.noise ?? 40;
  const rng = new Random(seed);
  const labels = options.labels ?? Int32Array.from({ length: count }, (_, i) => i % means.length);
  const pixels = new Uint8Array(count * TOY_SIZE * TOY_SIZE);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < TOY_SIZE * TOY_SIZE; j++) {
      const value = means[labels[i]] + (2 * rng.uniform() - 1) * noise;
      pixels[i * TOY_SIZE * TOY_SIZE + j] = Math.max(0, Math.min(255, Math.round(value)));
    }
  }
  return { pixels, labels, height: TOY_SIZE, width: TOY_SIZE };
}
