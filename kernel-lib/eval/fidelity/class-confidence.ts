/**
 * Confidence of a classifier that synthetic images show their intended class.
 *
 * - Mean probability of the intended class: (1/n) Σ_i p(y = c_i | x_i).
 * - Inception-score-style spread: exp(E_x[KL(p(y|x) || p(y))]) with the marginal
 *   p(y) = (1/n) Σ_i p(y|x_i) (Salimans et al. 2016, "Improved techniques for training GANs").
 *   It is 1 when every image gets the same class distribution and reaches numClasses when each
 *   image is certain of one class and the classes are used equally often. For the images of one
 *   intended class a value near 1 with a high mean probability means confident, consistent
 *   images. The classifier here is the task classifier, not Inception v3, so values are not
 *   comparable with published Inception scores.
 */

export interface ClassConfidence {
  /** Mean probability of the intended class. */
  meanProbability: number;
  /** Lowest probability of the intended class over the images. */
  minProbability: number;
  /** exp(mean KL(p(y|x) || p(y))), in [1, numClasses]. */
  inceptionScore: number;
  /** Probability of the intended class per image, `[count]`. */
  probabilities: Float64Array;
}

/**
 * Computes the class confidence of images from classifier probabilities `[count, numClasses]`
 * (rows summing to 1) and the intended class of each image: one class index for all, or
 * `[count]` indices. Terms with p = 0 contribute 0 to the KL divergence.
 */
export function classConfidence(probabilities: Float64Array | Float32Array, numClasses: number, intendedClasses: number | Int32Array): ClassConfidence {
  const caller = 'classConfidence';
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new Error(`${caller}: \`numClasses\` must be an integer >= 2, got ${numClasses}`);
  }
  if (!(probabilities instanceof Float64Array || probabilities instanceof Float32Array) || probabilities.length % numClasses !== 0) {
    throw new Error(`${caller}: \`probabilities\` must be a Float64Array of [count, ${numClasses}] values, got ${probabilities?.length} values`);
  }
  const count = probabilities.length / numClasses;
  if (count === 0) throw new Error(`${caller}: \`probabilities\` is empty; pass the probabilities of at least one image`);
  for (let i = 0; i < count; i++) {
    let sum = 0;
    for (let k = 0; k < numClasses; k++) {
      const p = probabilities[i * numClasses + k];
      if (!(p >= 0 && p <= 1)) throw new Error(`${caller}: probability of class ${k} for image ${i} is ${p}, outside [0, 1]`);
      sum += p;
    }
    if (Math.abs(sum - 1) > 1e-4) throw new Error(`${caller}: the probabilities of image ${i} sum to ${sum}, not 1; pass softmax outputs`);
  }
  const intendedOf = (i: number) => (typeof intendedClasses === 'number' ? intendedClasses : intendedClasses[i]);
  if (typeof intendedClasses !== 'number' && (!(intendedClasses instanceof Int32Array) || intendedClasses.length !== count)) {
    throw new Error(`${caller}: \`intendedClasses\` must be one class index or an Int32Array of ${count} indices, got ${intendedClasses?.length} values`);
  }
  for (let i = 0; i < count; i++) {
    const c = intendedOf(i);
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new Error(`${caller}: intended class ${c} of image ${i} is outside [0, ${numClasses}); pass class indices`);
    }
  }

  // 1. Probability of the intended class, per image and on average.
  const intended = new Float64Array(count);
  for (let i = 0; i < count; i++) intended[i] = probabilities[i * numClasses + intendedOf(i)];
  let meanProbability = 0;
  let minProbability = Infinity;
  for (const p of intended) {
    meanProbability += p;
    minProbability = Math.min(minProbability, p);
  }
  meanProbability /= count;

  // 2. Marginal p(y) over the images.
  const marginal = new Float64Array(numClasses);
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < numClasses; k++) marginal[k] += probabilities[i * numClasses + k] / count;
  }

  // 3. exp of the mean KL(p(y|x_i) || p(y)) = Σ_k p_ik (log p_ik − log p(y = k)).
  let meanKl = 0;
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < numClasses; k++) {
      const p = probabilities[i * numClasses + k];
      if (p > 0) meanKl += (p * (Math.log(p) - Math.log(marginal[k]))) / count;
    }
  }
  return { meanProbability, minProbability, inceptionScore: Math.exp(meanKl), probabilities: intended };
}
