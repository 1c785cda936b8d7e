/**
 * Training loss of the EHR VAE, the negative evidence lower bound with a β-weighted KL term
 * (Higgins et al. 2017): total = valueMse + maskBce + β · kl.
 *
 * Normalisation of each term:
 * - valueMse: squared error summed over measured cells (mask 1) of the batch, divided by
 *   the number of measured cells, so it is the mean over measured cells in normalised units.
 *   Unmeasured cells carry no value information and add nothing.
 * - maskBce: binary cross-entropy of the mask logits against the mask, the mean over all
 *   batch × hours × variables cells.
 * - kl: KL(q(z|x) ‖ N(0, I)) summed over the latent dimensions, then the mean over patients.
 * The reconstruction terms are per-cell means while the KL is a per-patient sum, so a β on
 * the order of 1 / (hours · variables) puts the three on a comparable scale.
 */
import * as tf from '@tensorflow/tfjs';
import { Params } from '../nets/params';
import { EhrVaeConfig, validateEhrVaeConfig, vaeDecode, vaeEncode } from './vae-network';

/** The loss and its three terms, scalars the caller disposes. */
export interface VaeLossTerms {
  total: tf.Scalar;
  valueMse: tf.Scalar;
  maskBce: tf.Scalar;
  kl: tf.Scalar;
}

export interface VaeLossInputs {
  config: EhrVaeConfig;
  params: Params;
  /** Normalised values, 0 where unmeasured, [batch, hours, variables]. */
  values: tf.Tensor3D;
  /** 1 where measured, else 0, [batch, hours, variables]. */
  mask: tf.Tensor3D;
  /** Standard normal draws for the reparameterisation, [batch, latentDim]. */
  epsilon: tf.Tensor2D;
  /** Weight of the KL term, >= 0. */
  beta: number;
}

function checkSameShape(caller: string, names: [string, string], a: tf.Tensor, b: tf.Tensor): void {
  if (a.shape.join() !== b.shape.join()) {
    throw new Error(`${caller}: ${names[0]} [${a.shape.join(', ')}] and ${names[1]} [${b.shape.join(', ')}] must have the same shape`);
  }
}

/** Draws z = mean + exp(logVar / 2) · ε (Kingma and Welling 2014, section 2.4), [batch, latentDim]. */
export function reparameterise(mean: tf.Tensor2D, logVar: tf.Tensor2D, epsilon: tf.Tensor2D): tf.Tensor2D {
  checkSameShape('reparameterise', ['mean', 'logVar'], mean, logVar);
  checkSameShape('reparameterise', ['mean', 'epsilon'], mean, epsilon);
  return tf.tidy(() => tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), epsilon)));
}

/**
 * Returns Σ mask · (predicted − target)² / max(Σ mask, 1): the mean squared error over
 * measured cells, 0 for a batch without any. Unmeasured cells of `target` must be finite
 * (0 by convention), because NaN · 0 is NaN.
 */
export function maskedMeanSquaredError(predicted: tf.Tensor, target: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  checkSameShape('maskedMeanSquaredError', ['predicted', 'target'], predicted, target);
  checkSameShape('maskedMeanSquaredError', ['predicted', 'mask'], predicted, mask);
  return tf.tidy(() => {
    const squaredError = tf.sum(tf.mul(mask, tf.squaredDifference(predicted, target)));
    return tf.div(squaredError, tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  });
}

/**
 * Returns the mean over all cells of the binary cross-entropy
 * −[m · log σ(l) + (1 − m) · log(1 − σ(l))] = softplus(l) − m · l,
 * which stays finite for large |l|.
 */
export function maskBinaryCrossEntropy(logits: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  checkSameShape('maskBinaryCrossEntropy', ['logits', 'mask'], logits, mask);
  return tf.tidy(() => tf.mean(tf.sub(tf.softplus(logits), tf.mul(mask, logits))) as tf.Scalar);
}

/**
 * Returns KL(N(mean, diag(exp(logVar))) ‖ N(0, I)) = −½ Σ_j (1 + logVar_j − mean_j² − exp(logVar_j))
 * (Kingma and Welling 2014, appendix B), summed over latent dimensions and averaged over the batch.
 */
export function gaussianKlDivergence(mean: tf.Tensor2D, logVar: tf.Tensor2D): tf.Scalar {
  checkSameShape('gaussianKlDivergence', ['mean', 'logVar'], mean, logVar);
  return tf.tidy(() => {
    const perDimension = tf.sub(tf.sub(tf.add(logVar, 1), tf.square(mean)), tf.exp(logVar));
    return tf.mul(tf.mean(tf.sum(perDimension, 1)), -0.5) as tf.Scalar;
  });
}

/** Encodes, samples z by reparameterisation, decodes, and returns the loss and its terms. */
export function vaeLoss(inputs: VaeLossInputs): VaeLossTerms {
  const { config, params, values, mask, epsilon, beta } = inputs;
  validateEhrVaeConfig(config, 'vaeLoss');
  if (!(Number.isFinite(beta) && beta >= 0)) {
    throw new Error(`vaeLoss: beta must be a finite number >= 0, got ${beta}`);
  }
  const batch = values.shape[0];
  if (epsilon.rank !== 2 || epsilon.shape[0] !== batch || epsilon.shape[1] !== config.latentDim) {
    throw new Error(`vaeLoss: epsilon must have shape [${batch}, ${config.latentDim}] (batch, latentDim), got [${epsilon.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const { mean, logVar } = vaeEncode(config, params, values, mask);
    const z = reparameterise(mean, logVar, epsilon);
    const reconstruction = vaeDecode(config, params, z);
    const valueMse = maskedMeanSquaredError(reconstruction.values, values, mask);
    const maskBce = maskBinaryCrossEntropy(reconstruction.maskLogits, mask);
    const kl = gaussianKlDivergence(mean, logVar);
    const total = tf.add(tf.add(valueMse, maskBce), tf.mul(kl, beta)) as tf.Scalar;
    return { total, valueMse, maskBce, kl };
  });
}
