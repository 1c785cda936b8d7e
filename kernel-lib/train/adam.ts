import * as tf from '@tensorflow/tfjs';

export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Rescale gradients so their global L2 norm is at most this (null: no clipping). */
  gradClipNorm?: number | null;
}

/**
 * Adam (Kingma and Ba 2015) with bias correction, as PyTorch's torch.optim.Adam:
 * m ← β1 m + (1 − β1) g; v ← β2 v + (1 − β2) g²;
 * θ ← θ − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε).
 * Moments live in tensors keyed by parameter name so a checkpoint can store them.
 */
export class Adam {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly gradClipNorm: number | null;
  /** Number of updates applied so far (t in the formulas). */
  step = 0;
  readonly firstMoments = new Map<string, tf.Tensor>();
  readonly secondMoments = new Map<string, tf.Tensor>();

  constructor(options: AdamOptions) {
    const { learningRate, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, gradClipNorm = null } = options;
    if (!(learningRate > 0 && Number.isFinite(learningRate))) {
      throw new Error(`Adam: learningRate must be a positive number, got ${learningRate}`);
    }
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
      throw new Error(`Adam: beta1 and beta2 must be in [0, 1), got ${beta1} and ${beta2}`);
    }
    if (gradClipNorm !== null && !(gradClipNorm > 0)) {
      throw new Error(`Adam: gradClipNorm must be positive or null, got ${gradClipNorm}`);
    }
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.gradClipNorm = gradClipNorm;
  }

  /**
   * Takes one step from the result of `tf.variableGrads` over `variables`, whose gradients are
   * keyed by the tf variable names, and disposes the gradients. Returns what `apply` returns.
   */
  applyVariableGrads(variables: Map<string, tf.Variable>, grads: tf.NamedTensorMap): number {
    const byName = new Map<string, tf.Tensor>();
    for (const [name, variable] of variables) byName.set(name, grads[variable.name]);
    try {
      return this.apply(variables, byName);
    } finally {
      tf.dispose(grads);
    }
  }

  /**
   * Applies one update to `variables` from `grads` (same names). Returns the gradients' global
   * L2 norm when clipping is on, NaN otherwise (computing it costs a device-to-host read per step).
   */
  apply(variables: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>): number {
    this.step += 1;
    const correction1 = 1 - this.beta1 ** this.step;
    const correction2 = 1 - this.beta2 ** this.step;
    const gradNorm =
      this.gradClipNorm === null ? NaN : tf.tidy(() => Math.sqrt(tf.addN(Array.from(grads.values()).map((g) => tf.sum(tf.square(g)))).dataSync()[0]));
    const scale = this.gradClipNorm !== null && gradNorm > this.gradClipNorm ? this.gradClipNorm / gradNorm : 1;

    for (const [name, variable] of variables) {
      const grad = grads.get(name);
      if (!grad) throw new Error(`Adam.apply: no gradient for parameter '${name}'`);
      const previousM = this.firstMoments.get(name);
      const previousV = this.secondMoments.get(name);
      const [m, v] = tf.tidy(() => {
        const g = scale === 1 ? grad : tf.mul(grad, scale);
        const m = previousM ? tf.add(tf.mul(previousM, this.beta1), tf.mul(g, 1 - this.beta1)) : tf.mul(g, 1 - this.beta1);
        const v = previousV ? tf.add(tf.mul(previousV, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)) : tf.mul(tf.square(g), 1 - this.beta2);
        const update = tf.div(tf.div(m, correction1), tf.add(tf.sqrt(tf.div(v, correction2)), this.epsilon));
        variable.assign(tf.sub(variable, tf.mul(update, this.learningRate)));
        return [m, v];
      });
      previousM?.dispose();
      previousV?.dispose();
      this.firstMoments.set(name, m);
      this.secondMoments.set(name, v);
    }
    return gradNorm;
  }

  dispose(): void {
    for (const t of this.firstMoments.values()) t.dispose();
    for (const t of this.secondMoments.values()) t.dispose();
    this.firstMoments.clear();
    this.secondMoments.clear();
  }
}
