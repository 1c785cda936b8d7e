import * as tf from '@tensorflow/tfjs';
import { LatentDistribution, klDivergence } from '../nets/autoencoder';

/** Reconstruction losses: absolute error (L1) or squared error (L2) per pixel. */
export const RECONSTRUCTION_LOSSES = ['l1', 'l2'] as const;
export type ReconstructionLoss = (typeof RECONSTRUCTION_LOSSES)[number];

/** Terms of the autoencoder loss, as scalars. */
export interface AutoencoderLossTerms {
  /** reconstructionSum + β · kl, the value that is minimised. */
  total: tf.Scalar;
  /** Reconstruction error summed over an image's pixels, averaged over the batch. */
  reconstructionSum: tf.Scalar;
  /** Reconstruction error per pixel (reconstructionSum / pixels per image), for logs. */
  reconstructionPerPixel: tf.Scalar;
  /** KL(q(z | x) ‖ N(0, I)) per image, averaged over the batch. */
  kl: tf.Scalar;
}

/**
 * Computes the first-stage loss of latent diffusion with the KL regulariser (Rombach et al. 2022,
 * section 3.1 and appendix G): per image, the reconstruction error summed over pixels plus
 * β · KL summed over latent elements, averaged over the batch. The scale follows Stable
 * Diffusion's first stage, where β = 1e-6 with sums over pixels; with a per-pixel mean instead
 * of a sum, the same balance would need β times the pixel count.
 * images and reconstructions: [batch, height, width, 1].
 */
export function autoencoderLoss(
  kind: ReconstructionLoss,
  images: tf.Tensor4D,
  reconstructions: tf.Tensor4D,
  distribution: LatentDistribution,
  beta: number,
): AutoencoderLossTerms {
  if (!(RECONSTRUCTION_LOSSES as readonly string[]).includes(kind)) {
    throw new Error(`autoencoderLoss: reconstruction loss must be one of ${RECONSTRUCTION_LOSSES.join(', ')}, got '${kind}'`);
  }
  if (!(beta >= 0 && Number.isFinite(beta))) throw new Error(`autoencoderLoss: beta must be a finite number >= 0, got ${beta}`);
  if (images.shape.join() !== reconstructions.shape.join()) {
    throw new Error(`autoencoderLoss: images [${images.shape}] and reconstructions [${reconstructions.shape}] must have the same shape`);
  }
  return tf.tidy(() => {
    const [batch, height, width, channels] = images.shape;
    const difference = tf.sub(reconstructions, images);
    const error = kind === 'l1' ? tf.abs(difference) : tf.square(difference);
    const reconstructionSum = tf.div(tf.sum(error), batch) as tf.Scalar;
    const kl = klDivergence(distribution);
    return {
      total: tf.add(reconstructionSum, tf.mul(kl, beta)) as tf.Scalar,
      reconstructionSum,
      reconstructionPerPixel: tf.div(reconstructionSum, height * width * channels) as tf.Scalar,
      kl,
    };
  });
}
