import * as tf from '@tensorflow/tfjs';

/**
 * Symmetric contrastive (InfoNCE) loss of CLIP (Radford et al. 2021, "Learning Transferable
 * Visual Models From Natural Language Supervision", Figure 3), extended to batches in which
 * several rows share one text.
 *
 * With unit vectors u_i (images) and v_j (texts), logits L = exp(logitScale) · u vᵀ [b, b].
 * Rows i and j are a positive pair when textGroup[i] = textGroup[j], so the target of row i
 * is uniform over its positives: T_ij = [g_i = g_j] / |{k : g_k = g_i}|. Then
 *   loss = ½ (CE(L, T) + CE(Lᵀ, T)),  CE(L, T) = −(1/b) Σ_i Σ_j T_ij log softmax(L_i)_j.
 * With all groups distinct T is the identity and this is CLIP's loss. Without the groups, a
 * batch holding one report twice would push identical texts apart.
 */

/** Largest logit scale: Radford et al. clip exp(logitScale) at 100 so training stays stable. */
export const MAX_LOGIT_SCALE = Math.log(100);
/** Initial logit scale, ln(1/0.07), the temperature 0.07 of Radford et al. */
export const INITIAL_LOGIT_SCALE = Math.log(1 / 0.07);

/** Divides each row of x [batch, dim] by its L2 norm (plus 1e-12 inside the root, so a zero row stays finite). */
export function l2NormalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.square(x), 1, true), 1e-12))));
}

/**
 * Returns the target matrix T [batch, batch] row-major (float32): T_ij = 1/n_i when rows i
 * and j share a group, where n_i is the size of row i's group in the batch, and 0 otherwise.
 */
export function contrastiveTargets(groups: ArrayLike<number>): Float32Array {
  const batch = groups.length;
  const sizes = new Map<number, number>();
  for (let i = 0; i < batch; i++) sizes.set(groups[i], (sizes.get(groups[i]) ?? 0) + 1);
  const targets = new Float32Array(batch * batch);
  for (let i = 0; i < batch; i++) {
    const share = 1 / (sizes.get(groups[i]) as number);
    for (let j = 0; j < batch; j++) if (groups[j] === groups[i]) targets[i * batch + j] = share;
  }
  return targets;
}

/**
 * Computes the loss above. imageEmbeddings and textEmbeddings [batch, dim] need not be
 * normalised. logitScale is a scalar tensor (a variable while training). textGroup [batch]
 * gives each row's text id, or is null when every row has its own text.
 */
export function clipLoss(imageEmbeddings: tf.Tensor2D, textEmbeddings: tf.Tensor2D, logitScale: tf.Tensor, textGroup: ArrayLike<number> | null): tf.Scalar {
  const [batch, dim] = imageEmbeddings.shape;
  if (textEmbeddings.shape[0] !== batch || textEmbeddings.shape[1] !== dim) {
    throw new Error(`clipLoss: image embeddings [${imageEmbeddings.shape}] and text embeddings [${textEmbeddings.shape}] must have the same shape`);
  }
  if (textGroup !== null && textGroup.length !== batch) {
    throw new Error(`clipLoss: textGroup has ${textGroup.length} entries for a batch of ${batch}; give one group id per row`);
  }
  const groups = textGroup ?? Int32Array.from({ length: batch }, (_, i) => i);
  return tf.tidy(() => {
    // 1. Cosine similarities scaled by exp(logitScale): [b, b], row i = image i against every text.
    const similarity = tf.matMul(l2NormalizeRows(imageEmbeddings), l2NormalizeRows(textEmbeddings), false, true);
    const logits = tf.mul(similarity, tf.exp(logitScale));

    // 2. Cross entropy with the target matrix, image → text over rows and text → image over columns.
    const targets = tf.tensor2d(contrastiveTargets(groups), [batch, batch]);
    const imageToText = tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits, 1)), 1)));
    const textToImage = tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(tf.transpose(logits), 1)), 1)));
    return tf.mul(tf.add(imageToText, textToImage), 0.5) as tf.Scalar;
  });
}
